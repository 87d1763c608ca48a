import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { BehaviorSubject, Observable, map } from 'rxjs';

const STORAGE_KEY = 'llm-gateway-jwt';

/**
 * Holds the session's JWT. A real app gets the first one from its login flow; here it is whatever the page
 * finds in sessionStorage. The gateway client reads `token$` for each request and, after a 401, calls
 * `refresh$()` once (shared by every request waiting) and pushes the new token back into `token$`.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  readonly token$ = new BehaviorSubject<string>(sessionStorage.getItem(STORAGE_KEY) ?? '');

  constructor() {
    this.token$.subscribe((token) => sessionStorage.setItem(STORAGE_KEY, token));
  }

  /** Trades the current (expired) token for a new one at the gateway's refresh endpoint. */
  refresh$(): Observable<string> {
    return this.http
      .post<{ access_token: string }>('/api/v1/auth/refresh', {}, { headers: { Authorization: `Bearer ${this.token$.value}` } })
      .pipe(map((reply) => reply.access_token));
  }
}
