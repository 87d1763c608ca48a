/** What people write by hand: split the text on blank lines, JSON.parse each `data: ` line. */
export function naiveSplitter(onContent: (content: string) => void): (text: string) => void {
  let buffered = '';
  return (text) => {
    buffered += text;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data !== '[DONE]') onContent(JSON.parse(data).content);
    }
  };
}
