// Error codes of the executor (range SSL180–199). `ssl3d explain CODE` prints the long form.
import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL180',
    severity: 'error',
    title: 'cache is locked by another run',
    messages: {
      inUse: 'the cache {cacheDir} is in use by another run (pid {pid} on {host}, since {since}); wait for it to finish or use --cache DIR{ifGone}',
      notTaken: 'could not take the cache lock {path}',
    },
    explanation:
      'Two runs may not write one cache at once. The cache folder holds a `lock` file naming the process (pid and host) that owns it.\n' +
      'Wait for the other run to finish, or point this run at another cache with `--cache DIR`. A lock left by a process that no longer\n' +
      'exists on this host is removed automatically; a lock from another host must be deleted by hand once you are sure that run is gone.',
  },
  {
    code: 'SSL181',
    severity: 'error',
    title: 'no handler for a node kind',
    messages: {
      unknownKind: "no handler is known for node kind '{kind}'",
      cannotLoad: 'cannot load the {kind} node handler ({file}): {reason}',
      noExport: '{file} does not export {name}()',
      notRegistered: "no handler registered for node kind '{kind}'",
    },
    explanation:
      'The executor could not load the module that runs this kind of node (data, pretrain, finetune, evaluate, report).\n' +
      'This is an installation problem: rebuild with `npm run build`, or run from the sources with SSL3D_FROM_SOURCE=1.',
  },
  {
    code: 'SSL182',
    severity: 'warning',
    title: 'corrupt cache entry',
    messages: {
      recomputing: '{reason}; recomputing',
      caseCacheCorrupt: 'case {id}: the preprocessed-case cache entry {path} is corrupt ({reason}); rebuilding it',
    },
    explanation:
      'A cached artifact no longer matches its manifest (`node.json`): a file is missing, has another size, or its sha256 differs;\n' +
      'or the manifest itself was edited (it carries a checksum over its summary and file list). Preprocessed cases in\n' +
      '`.ssl3d/data/*.case` carry a sha256 of their voxels too. The bad entry is discarded and rebuilt; this is a warning, not an error.',
  },
  {
    code: 'SSL183',
    severity: 'warning',
    title: 'unusable checkpoint',
    messages: {
      skipped: 'skipped damaged checkpoint(s): {rejected}',
    },
    explanation:
      'A checkpoint of an interrupted node could not be read (missing files or a sha256 mismatch). The executor falls back to the\n' +
      'previous valid checkpoint, or restarts the node from epoch 0.',
  },
  {
    code: 'SSL184',
    severity: 'error',
    title: 'internal error in a node',
    messages: {
      internalError: 'internal error{inNode}: {reason}',
      inputNotAvailable: 'input {id} of {node} is not available',
    },
    explanation:
      'A node handler failed with an unexpected error (a bug rather than bad input). The node is marked failed, nodes that depend on it\n' +
      'are skipped and independent nodes continue. Run with SSL3D_DEBUG=1 to print the stack trace, and please report it.',
  },
  {
    code: 'SSL185',
    severity: 'error',
    title: 'invalid run options',
    explanation:
      'A command-line option of `ssl3d run` has a bad value, e.g. `--backend gpu` (expected auto, webgpu, native, cpu or tensorflow) or\n' +
      '`--ui fancy` (expected tui, plain or json), or `--set` without `path=value`.',
  },
  {
    code: 'SSL186',
    severity: 'error',
    title: 'cache folder not usable',
    messages: {
      cannotCreate: 'cannot create the cache folder: {reason}',
      cannotWriteLock: 'cannot write the cache lock: {reason}',
      cannotReplaceLock: 'cannot replace the stale cache lock ({reason}); remove {path}',
      cannotWriteRecord: 'cannot write the run record: {reason}',
    },
    explanation: 'The cache folder (default `.ssl3d/` beside the experiment, or `--cache DIR`) cannot be created or written.',
  },
  {
    code: 'SSL187',
    severity: 'error',
    title: 'run interrupted',
    explanation:
      'The run was stopped (Ctrl-C, SIGTERM or `q` in the TUI). Finished nodes stay in the cache, the running node saved a checkpoint,\n' +
      'and the record is written with status `interrupted`. Run the same command again to resume. Exit code 130.',
  },
  {
    code: 'SSL195',
    severity: 'error',
    title: 'a Slurm job failed',
    messages: {
      notCached: 'input {id} is not in the cache{reason}',
      jobFailed: '{end}; log {log}{tail|all}',
    },
    explanation:
      'With `--executor slurm` a node ran as a Slurm job that ended without a result: its node failed, or Slurm stopped the job\n' +
      '(out of memory, time limit, node failure, preemption without requeue, scancel). The message gives the job id, its state and\n' +
      'exit code, the path of its log and the log\'s last lines. Slurm cancels the jobs that depend on it. Fix the cause (e.g. more\n' +
      '`memory` or `time` for that node kind in the `executor` block) and run again: only the missing nodes are submitted.',
  },
  {
    code: 'SSL196',
    severity: 'error',
    title: 'Slurm is not usable',
    messages: {
      notFound: "'{cmd}' was not found: the Slurm client commands must be on PATH (run on a login node of the cluster)",
      sbatchFailed: 'sbatch failed: {reason}',
      squeueFailed: 'squeue failed: {reason}',
      scancelFailed: 'scancel failed: {reason}',
    },
    explanation:
      'A Slurm command (sbatch, squeue, scancel) is missing from PATH or refused the request. Run on a login node of the cluster,\n' +
      'check the partition and account in the `executor` settings, and try the printed sbatch line by hand\n' +
      '(`ssl3d plan FILE --executor slurm` prints all of them).',
  },
  {
    code: 'SSL197',
    severity: 'error',
    title: 'bad executor settings',
    messages: {
      notInGraph: 'node {node} is not in the graph',
      notObject: 'user profile: {where} must be an object',
      badResource: 'user profile: {where}.{k} has a bad value {value} (0 < memoryGB ≤ 65536, 1 ≤ cpus ≤ 1024, 0 ≤ gpus ≤ 64, time like "4:00:00")',
      notJson: 'user profile: not valid JSON ({reason})',
      notJsonObject: 'user profile: expected a JSON object',
      executorNotObject: 'user profile: "executor" must be an object',
      badKind: 'user profile: executor.kind must be "local" or "slurm", got {value}',
      emptyString: 'user profile: executor.{k} must be a non-empty string',
      badTime: 'user profile: executor.time must be minutes or "days-hours:minutes:seconds", got {value}',
      badMaxJobs: 'user profile: executor.maxJobs must be a whole number ≥ 1, got {value}',
      badRequeue: 'user profile: executor.requeue must be true or false',
      badSbatch: 'user profile: executor.sbatch must be a list of strings',
      resourcesNotObject: 'user profile: executor.resources must be an object',
      notNodeKind: 'user profile: executor.resources.{kind}: not a node kind ({kinds})',
      unknownKey: 'user profile: unknown key executor.{k} (known: kind, partition, account, time, maxJobs, requeue, sbatch, resources, command)',
      backslashCache: 'the cache folder {path} holds a backslash, which Slurm removes from the job log path (and then does not put the job id in it); use --cache DIR without one',
    },
    explanation:
      'The user profile (`$SSL3D_PROFILE`, else `~/.config/ssl3d/profile.json`) or a Slurm option has a value that cannot be used,\n' +
      'e.g. a time limit that is not minutes or `days-hours:minutes:seconds`, or `maxJobs` below 1. docs/running.md lists the keys.',
  },
  {
    code: 'SSL188',
    severity: 'error',
    title: 'disk full',
    messages: {
      diskFull: '{parts}. Free some space (or use --cache DIR on another disk) and run again: finished nodes stay cached',
    },
    explanation:
      'A write into the cache (an artifact, a checkpoint, the run record) failed because the file system is full (ENOSPC) or a\n' +
      'quota is exhausted (EDQUOT). The message names the file, the size of the write when known, and the space left there.\n' +
      'Half-written temp files are removed, the node is marked failed (finished nodes stay cached) and `runs/latest` keeps naming a run\n' +
      'whose record exists. Free some space or point `--cache DIR` at another disk, then run the same command again to resume.',
  },
  {
    code: 'SSL189',
    severity: 'warning',
    title: 'run left running by a dead process',
    messages: {
      markedInterrupted: "run {run} was left 'running' by a process that died; its record is now marked 'interrupted'",
    },
    explanation:
      'A run record still said `running`, but no run holds the cache lock: its process was killed (kill -9, power loss, OOM killer).\n' +
      'The next run on the cache marks that record `interrupted` and says so; its finished nodes are cached and resume normally.',
  },
] as const satisfies readonly CodeInfo[];
