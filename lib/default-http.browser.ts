/**
 * The browser build's default axios instance: the fetch adapter, the only one that streams a body in a
 * browser (XHR buffers it whole). Replaces `default-http.ts` there (scripts/build-package.mjs).
 */
import axios from 'axios';
import type * as NodeBuild from './default-http';

/** Same contract as the Node build's: the axios instance a client makes when given none. */
export const createDefaultHttp: typeof NodeBuild.createDefaultHttp = () => axios.create({ adapter: 'fetch' });
