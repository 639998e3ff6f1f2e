export { loadConfig, type ApiConfig } from './config';
export { openApiDocument } from './openapi';
export { runApi, type RunningApi } from './run-api';
export { createServer, type ServerDeps } from './server';
export { createTaskService } from './task-service';
export { LOADER_OPTIONS, loadTqProto } from './grpc/proto';
