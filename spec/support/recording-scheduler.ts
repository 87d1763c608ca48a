import { SchedulerLike, Subscription } from 'rxjs';

/**
 * A scheduler that runs nothing and keeps a subscription per action it was given, to see whether a timer was
 * cancelled: a timer left running after a stream ended would hold the process open for its whole delay.
 */
export function recordingScheduler(): { scheduler: SchedulerLike; scheduled: Subscription[] } {
  const scheduled: Subscription[] = [];
  const scheduler: SchedulerLike = {
    now: () => 0,
    schedule: () => {
      const subscription = new Subscription();
      scheduled.push(subscription);
      return subscription;
    },
  };
  return { scheduler, scheduled };
}
