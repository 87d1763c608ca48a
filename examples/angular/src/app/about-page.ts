import { Component } from '@angular/core';

/** A second page, so there is somewhere to navigate to while an answer is streaming. */
@Component({
  selector: 'app-about',
  template: `
    <h1>About</h1>
    <p data-testid="about">
      This page streams nothing. Navigating here while an answer streams destroys the chat page, which unsubscribes,
      which aborts the HTTP request.
    </p>
  `,
})
export class AboutPage {}
