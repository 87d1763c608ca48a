/** axios with `responseType: 'stream'` (its default instance) + the naive split. */
import axios from 'axios';
import { naiveSplitter } from './naive-split';
import { headers, requestBody, STREAM_PATH, type E2eClient } from './request';

export const run: E2eClient = async (url, events) => {
  const response = await axios.post(url + STREAM_PATH, requestBody(events), { headers, responseType: 'stream' });
  let length = 0;
  const split = naiveSplitter((content) => (length += content.length));
  response.data.setEncoding('utf8');
  for await (const text of response.data) split(text as string);
  return length;
};
