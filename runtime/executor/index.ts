// Public surface of the executor.
export { runGraph, describeError, totalEpochs, stepsPerEpoch, type RunGraphOptions, type RunGraphResult, type NodeOutcome } from './executor.js';
export { cacheStates, cacheStatesDeep, checkEntry, nodeDir, MANIFEST, type CacheState, type CacheStateName, type NodeManifest } from './cache.js';
export { saveCheckpoint, findCheckpoint, clearCheckpoints, checkpointRoot } from './checkpoints.js';
export { acquireLock, type CacheLock, type LockInfo } from './lock.js';
export { createEventStream, type EventStream, type Listener } from './emitter.js';
export { createRecordWriter, readRecord, latestRunId, runsDir, type RecordWriter } from './record-writer.js';
export { handlersFrom, lazyHandlers, type HandlerModule, type HandlerResolver } from './handlers.js';
export { runSession, newRunId, exitCodeOf, installInterruptHandlers, type SessionOptions, type SessionResult } from './session.js';
