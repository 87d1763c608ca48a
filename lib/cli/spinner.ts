/**
 * The "waiting for the first token" spinner of `llm-gateway-rx chat`. It draws on stderr only when stderr is a
 * terminal: piped or redirected, it writes nothing at all, so logs and scripts never see escape codes.
 */

/** The part of a stream the spinner uses (process.stderr fits). */
export interface SpinnerStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** A running spinner. */
export interface Spinner {
  /** Prints a line of its own on the stream: the frame is wiped first and comes back on the next frame. */
  print(line: string): void;
  /** Wipes the frame and stops for good; idempotent. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Carriage return, then erase the whole line (ECMA-48 EL 2). */
const WIPE = '\r\x1b[2K';

/**
 * Starts drawing `label` after a spinning frame every `intervalMs` on `stream` when `stream.isTTY`; otherwise
 * returns a spinner that draws nothing and whose `print` writes the line as is. The timer is unref'd, so a
 * forgotten spinner never keeps the process alive.
 */
export function startSpinner(stream: SpinnerStream, label: string, intervalMs = 80): Spinner {
  if (!stream.isTTY) {
    return { print: (line) => void stream.write(`${line}\n`), stop: () => undefined };
  }
  let frame = 0;
  let stopped = false;
  const draw = () => {
    stream.write(`${WIPE}${FRAMES[frame]} ${label}`);
    frame = (frame + 1) % FRAMES.length;
  };
  draw();
  const timer = setInterval(draw, intervalMs);
  timer.unref();
  return {
    print(line) {
      stream.write(stopped ? `${line}\n` : `${WIPE}${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write(WIPE);
    },
  };
}
