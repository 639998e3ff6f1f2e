/** The reaper as a library: run recovery, promotion, retention and gauges inside your own process. */
export { Reaper, type ReaperOptions } from './reaper';
