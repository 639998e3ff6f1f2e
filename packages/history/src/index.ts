export {
  ARCHIVED_STATES,
  HistoryStore,
  HistoryUnavailableError,
  type ArchivedStatus,
  type HistoryPage,
  type HistorySearch,
  type HistoryStoreOptions,
} from './history-store';
export { decodeHistoryCursor, encodeHistoryCursor } from './cursor';
export type { HistoryDatabase, TaskHistoryTable } from './schema';
