export { Archiver, type ArchiverOptions } from './archiver';
export { loadConfig, type ArchiverConfig } from './config';
