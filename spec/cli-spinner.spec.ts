/** The chat spinner: frames on a terminal, nothing at all on a pipe. */
import { startSpinner } from '../lib/cli/spinner';

const WIPE = '\r\x1b[2K';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('startSpinner', () => {
  it('on a terminal, redraws the label after a new frame each interval and wipes it on stop', () => {
    const tty = stream(true);
    const spinner = startSpinner(tty, 'waiting', 80);
    jest.advanceTimersByTime(160);
    expect(tty.written).toEqual([`${WIPE}⠋ waiting`, `${WIPE}⠙ waiting`, `${WIPE}⠹ waiting`]);
    spinner.stop();
    spinner.stop();
    jest.advanceTimersByTime(400);
    expect(tty.written.slice(3)).toEqual([WIPE]);
  });

  it('on a terminal, print wipes the frame before the line', () => {
    const tty = stream(true);
    const spinner = startSpinner(tty, 'waiting');
    spinner.print('refreshing the token');
    spinner.stop();
    spinner.print('after');
    expect(tty.written.slice(1)).toEqual([`${WIPE}refreshing the token\n`, WIPE, 'after\n']);
  });

  it('on a pipe, writes nothing but the printed lines, and holds no timer', () => {
    const pipe = stream(false);
    const spinner = startSpinner(pipe, 'waiting', 80);
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1000);
    spinner.print('a line');
    spinner.stop();
    expect(pipe.written).toEqual(['a line\n']);
  });
});
