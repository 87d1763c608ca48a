import { Routes } from '@angular/router';
import { AboutPage } from './about-page';
import { ChatPage } from './chat-page';

export const routes: Routes = [
  { path: '', component: ChatPage, title: 'Chat' },
  { path: 'about', component: AboutPage, title: 'About' },
];
