import { Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { LLMProviderError } from 'llm-gateway-rx';
import { Subscription } from 'rxjs';
import { ChatService } from './chat.service';

type Phase = 'idle' | 'streaming' | 'done' | 'stopped' | 'failed';

/**
 * Asks the gateway and streams the answer into the page token by token. Stop unsubscribes, and so does
 * leaving the page (takeUntilDestroyed): either way the client aborts the HTTP request and no more text comes.
 */
@Component({
  selector: 'app-chat',
  template: `
    <h1>Ask the gateway</h1>
    <textarea rows="3" data-testid="prompt" [value]="prompt()" (input)="prompt.set(textOf($event))"></textarea>
    <p>
      <button data-testid="ask" (click)="ask()" [disabled]="phase() === 'streaming'">Ask</button>
      <button data-testid="stop" (click)="stop()" [disabled]="phase() !== 'streaming'">Stop</button>
      <span class="status" data-testid="status">{{ phase() }}</span>
    </p>
    <div class="answer" data-testid="answer">{{ answer() }}</div>
    @if (error(); as message) {
      <p class="error" role="alert" data-testid="error">{{ message }}</p>
    }
  `,
})
export class ChatPage {
  private readonly chat = inject(ChatService);
  private readonly destroyRef = inject(DestroyRef);
  private subscription: Subscription | undefined;
  readonly prompt = signal('What does an RxJS client for an LLM gateway do?');
  readonly answer = signal('');
  readonly phase = signal<Phase>('idle');
  readonly error = signal('');

  ask(): void {
    this.subscription?.unsubscribe();
    this.answer.set('');
    this.error.set('');
    this.phase.set('streaming');
    this.subscription = this.chat
      .answer$(this.prompt())
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (text) => this.answer.set(text),
        error: (error: unknown) => {
          this.phase.set('failed');
          this.error.set(error instanceof LLMProviderError ? `${error.name}: ${error.message}` : String(error));
        },
        complete: () => this.phase.set('done'),
      });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.phase.set('stopped');
  }

  textOf(event: Event): string {
    return (event.target as HTMLTextAreaElement).value;
  }
}
