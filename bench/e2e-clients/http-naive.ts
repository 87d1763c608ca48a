/** node:http with a keep-alive agent + the naive split. */
import { Agent, request as httpRequest } from 'node:http';
import { naiveSplitter } from './naive-split';
import { headers, requestBody, STREAM_PATH, type E2eClient } from './request';

const agent = new Agent({ keepAlive: true });

export const run: E2eClient = (url, events) =>
  new Promise<number>((resolve, reject) => {
    let length = 0;
    const split = naiveSplitter((content) => (length += content.length));
    const req = httpRequest(url + STREAM_PATH, { method: 'POST', headers, agent }, (res) => {
      res.setEncoding('utf8');
      res.on('data', split);
      res.on('end', () => resolve(length));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(requestBody(events));
  });
