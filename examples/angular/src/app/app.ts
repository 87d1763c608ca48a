import { Component } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

/** The shell: a nav bar (leaving the chat page mid-answer aborts the request) and the routed page. */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  template: `
    <nav>
      <a routerLink="/" routerLinkActive="active" [routerLinkActiveOptions]="{ exact: true }" data-testid="nav-chat">Chat</a>
      <a routerLink="/about" routerLinkActive="active" data-testid="nav-about">About</a>
    </nav>
    <main><router-outlet /></main>
  `,
})
export class App {}
