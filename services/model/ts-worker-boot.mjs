// A worker thread's first module: registers tsx's TypeScript loader in this thread, then runs
// the .ts module whose URL is argv[2]. Plain JavaScript because it runs before any loader exists.
// Needed because under Node 20 tsx registers itself only on the main thread, so a worker started
// with `execArgv: ['--import', 'tsx']` cannot load .ts files; tsx's register() works in any thread.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[2]);
