import { join } from 'node:path';
import { createLogger } from '@tq/ops';
import type { HandlerContext } from '../types';
import { loadHandlerModule, loadHandlers } from './registry';

const fixtures = join(__dirname, '..', 'test-support', 'handler-modules');
const logger = createLogger('test', 'silent');
const ctx = (payload: unknown) => ({ payload }) as HandlerContext;

describe('handler modules', () => {
  it('loads a CommonJS module exporting `handlers`, by a path relative to the working directory', async () => {
    const handlers = loadHandlerModule('./good.js', fixtures);
    expect(await handlers.greet!(ctx('ada'))).toBe('hello ada');
  });

  it('takes a default export of handlers, and a relative path without "./"', async () => {
    const handlers = loadHandlerModule('default-export.js', fixtures);
    expect(await handlers.shout!(ctx('hi'))).toBe('HI');
  });

  it('merges modules after the built-in http and email handlers', () => {
    const settings = { httpAllowedHosts: [], emailFrom: 'tq@localhost', modules: ['./good.js'] };
    expect(Object.keys(loadHandlers(settings, logger, fixtures)).sort()).toEqual(['email', 'greet', 'http']);
  });

  it.each([
    [
      './missing.js',
      /^HANDLER_MODULES: module "\.\/missing\.js" cannot be loaded: .*Cannot find module '\.\/missing\.js'/,
    ],
    ['./throws.js', 'HANDLER_MODULES: module "./throws.js" cannot be loaded: missing API key'],
    [
      './wrong-shape.js',
      'HANDLER_MODULES: module "./wrong-shape.js" must export `handlers`, an object of async functions by task type',
    ],
    [
      './not-a-function.js',
      'HANDLER_MODULES: module "./not-a-function.js": the handler for type "greet" is a string, not a function',
    ],
    ['./bad-type.js', 'HANDLER_MODULES: module "./bad-type.js": "has space" can never be a task type'],
  ])('gives a clear startup error for %s', (spec, message) => {
    expect(() => loadHandlerModule(spec, fixtures)).toThrow(message);
  });
});
