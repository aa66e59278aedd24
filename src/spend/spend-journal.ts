import { closeSync, createReadStream, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SpendLogRow } from './spend-log-row';

/** How long a recorded row may wait before it is on disk: the most a process crash can lose. */
export const GROUP_COMMIT_MS = 100;
/** A segment this big is sealed and a new one started, so replay and deletion work in bounded pieces. */
const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;
const SEGMENT_PATTERN = /^segment-(\d{12})\.ndjson$/;

/**
 * One journal file. A row is "held" while it still waits in the ledger's memory queue and "spilled" when the
 * queue was full so the journal is its only copy; the file can go once it is sealed and neither remains.
 */
interface Segment {
  readonly id: number;
  readonly path: string;
  /** Rows journaled by this process and still waiting in memory. */
  held: number;
  /** Rows journaled only here (memory was full) and not yet replayed into the database. */
  spilled: number;
  /** A file left by an earlier process: every line in it is to be replayed. */
  inherited: boolean;
  sealed: boolean;
  bytes: number;
  /** Lines already replayed (replay resumes after them, so nothing is applied twice). */
  replayedLines: number;
}

/** A journal line: the row, and whether this process also kept it in memory. */
interface JournalLine {
  r: SpendLogRow;
  m: 0 | 1;
}

/** A batch of rows read back from the journal, with what to confirm once the database has them. */
export interface ReplayBatch {
  rows: SpendLogRow[];
  /** Rows of this process (their pending spend is still counted in memory); inherited rows are not. */
  ownRows: SpendLogRow[];
  /** Call after the batch is committed: the segment moves past these lines. */
  confirm(): void;
}

/**
 * The spend ledger's write-ahead journal: every row is appended here before the database sees it, and written
 * to disk with one `write` + `fdatasync` per group-commit window (≤ 100 ms), off the request path. A crash
 * loses at most the rows of the window in flight; a database outage or restart loses nothing, because rows
 * stay in the journal until the database has them. Files are NDJSON segments in the data directory,
 * replayed at the next boot when a process stopped before they were written.
 */
export class SpendJournal {
  private readonly segments = new Map<number, Segment>();
  private current?: Segment;
  private handle?: FileHandle;
  private pendingLines: string[] = [];
  private pendingBytes = 0;
  private committing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private nextId = 1;
  private recycling = false;
  private recycleAgain = false;
  private releaseLock?: () => void;
  /** The last write or sync failure (disk full, permissions): surfaced by health and logs. */
  lastError: Error | null = null;

  constructor(
    readonly directory: string,
    private readonly groupCommitMs = GROUP_COMMIT_MS,
  ) {}

  /** Takes the directory (one process per journal), adopts segments an earlier process left, starts group commit. */
  open(): void {
    mkdirSync(this.directory, { recursive: true });
    this.releaseLock = lockDirectory(this.directory);
    for (const name of readdirSync(this.directory).sort()) {
      const match = SEGMENT_PATTERN.exec(name);
      if (!match) continue;
      const id = Number(match[1]);
      const path = join(this.directory, name);
      const bytes = statSync(path).size;
      if (bytes === 0) {
        rmSync(path, { force: true });
        continue;
      }
      this.segments.set(id, { id, path, held: 0, spilled: 0, inherited: true, sealed: true, bytes, replayedLines: 0 });
      this.nextId = Math.max(this.nextId, id + 1);
    }
    this.timer = setInterval(() => void this.commit(), this.groupCommitMs);
    this.timer.unref();
  }

  /**
   * Appends a row; it reaches the disk with the next group commit.
   * @param rowJson the row as JSON (the ledger reuses the same text for the database batch).
   * @param heldInMemory whether the ledger also keeps the row in memory (else the journal is its only copy).
   * @returns the segment id, to pass to `release` once the row is in the database.
   */
  append(rowJson: string, heldInMemory: boolean): number {
    const segment = this.current ?? this.startSegment();
    // The same shape as JournalLine, written by hand so the row is serialised once.
    const line = `{"m":${heldInMemory ? 1 : 0},"r":${rowJson}}\n`;
    this.pendingLines.push(line);
    this.pendingBytes += line.length;
    segment.bytes += line.length;
    if (heldInMemory) segment.held++;
    else segment.spilled++;
    return segment.id;
  }

  /** The database has `count` held rows of segment `id`. */
  release(id: number, count = 1): void {
    const segment = this.segments.get(id);
    if (!segment) return;
    segment.held -= count;
    void this.recycle();
  }

  /** Whether any rows wait only here (spilled, or left by an earlier process). */
  get hasReplayWork(): boolean {
    for (const segment of this.segments.values()) if (this.needsReplay(segment)) return true;
    return false;
  }

  /** Bytes in journal files not yet recycled: a gauge for operators. */
  get backlogBytes(): number {
    let total = 0;
    for (const segment of this.segments.values()) total += segment.bytes;
    return total;
  }

  /**
   * Reads rows that wait only in the journal, in batches, oldest segment first. The current segment is sealed
   * first so its spilled rows are on disk and in a closed file. Stops at the first batch the caller fails to
   * confirm (the database went away again); the next call resumes there.
   */
  async *replay(batchSize: number): AsyncGenerator<ReplayBatch> {
    if (this.current && this.needsReplay(this.current)) await this.seal();
    for (const segment of [...this.segments.values()].sort((a, b) => a.id - b.id)) {
      if (!segment.sealed || !this.needsReplay(segment)) continue;
      let lineNumber = 0;
      let rows: SpendLogRow[] = [];
      let ownRows: SpendLogRow[] = [];
      const batchUpTo = (through: number): ReplayBatch => {
        const spilled = ownRows.length;
        const batch: ReplayBatch = {
          rows,
          ownRows,
          confirm: () => {
            segment.replayedLines = through;
            segment.spilled -= spilled;
          },
        };
        rows = [];
        ownRows = [];
        return batch;
      };
      const lines = createInterface({ input: createReadStream(segment.path, { encoding: 'utf8' }), crlfDelay: Infinity });
      try {
        for await (const text of lines) {
          lineNumber++;
          if (lineNumber <= segment.replayedLines) continue;
          const line = parseLine(text);
          // Held rows of this process are written from memory; only spilled ones (and a past process's) replay.
          if (line && (segment.inherited || line.m === 0)) {
            rows.push(line.r);
            if (!segment.inherited) ownRows.push(line.r);
          }
          if (rows.length >= batchSize) {
            const through = lineNumber;
            yield batchUpTo(through);
            // The consumer stops iterating when it could not write a batch, so getting here means it was confirmed.
            if (segment.replayedLines < through) return;
          }
        }
      } finally {
        lines.close();
      }
      if (rows.length > 0) {
        const through = lineNumber;
        yield batchUpTo(through);
        if (segment.replayedLines < through) return;
      }
      segment.replayedLines = lineNumber;
      segment.inherited = false;
      segment.spilled = 0;
      await this.recycle();
    }
  }

  /** Writes and syncs what was appended since the last commit. Never two at once. */
  async commit(): Promise<void> {
    if (this.committing) return this.committing;
    if (this.pendingLines.length === 0) return;
    this.committing = this.writePending().finally(() => (this.committing = undefined));
    await this.committing;
    if (this.current && this.current.bytes >= SEGMENT_MAX_BYTES) await this.seal();
    await this.recycle();
  }

  private async writePending(): Promise<void> {
    const lines = this.pendingLines;
    const bytes = this.pendingBytes;
    this.pendingLines = [];
    this.pendingBytes = 0;
    try {
      const handle = await this.fileHandle();
      await handle.write(lines.join(''));
      await handle.datasync();
      this.lastError = null;
    } catch (error) {
      // Keep the lines: the next window retries them (the disk may be full for a moment).
      this.pendingLines = lines.concat(this.pendingLines);
      this.pendingBytes += bytes;
      this.lastError = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Final commit, then the files stay for the next boot if anything in them is not in the database. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.commit();
    if (this.committing) await this.committing;
    await this.seal();
    await this.recycle();
    this.releaseLock?.();
  }

  private needsReplay(segment: Segment): boolean {
    return segment.inherited || segment.spilled > 0;
  }

  private startSegment(): Segment {
    const id = this.nextId++;
    const segment: Segment = {
      id,
      path: join(this.directory, `segment-${String(id).padStart(12, '0')}.ndjson`),
      held: 0,
      spilled: 0,
      inherited: false,
      sealed: false,
      bytes: 0,
      replayedLines: 0,
    };
    this.segments.set(id, segment);
    this.current = segment;
    return segment;
  }

  private async fileHandle(): Promise<FileHandle> {
    if (!this.handle) {
      const segment = this.current ?? this.startSegment();
      this.handle = await open(segment.path, 'a');
    }
    return this.handle;
  }

  /** Closes the current segment once everything appended to it is on disk; the next append starts a new one. */
  private async seal(): Promise<void> {
    if (this.committing) await this.committing;
    if (this.pendingLines.length > 0) await this.commit();
    // Still unwritten (the disk refuses writes): the segment stays open so its lines keep their file.
    if (!this.current || this.pendingLines.length > 0 || this.committing) return;
    this.current.sealed = true;
    this.current = undefined;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /**
   * Deletes segments whose every row is in the database. The current segment is sealed first when all it holds
   * is already written, so an idle gateway keeps no journal at all.
   */
  private async recycle(): Promise<void> {
    if (this.recycling) {
      this.recycleAgain = true;
      return;
    }
    this.recycling = true;
    try {
      do {
        this.recycleAgain = false;
        const current = this.current;
        if (current && current.held === 0 && current.spilled === 0 && this.pendingLines.length === 0 && !this.committing) await this.seal();
        for (const segment of [...this.segments.values()]) {
          if (!segment.sealed || segment.held > 0 || this.needsReplay(segment)) continue;
          this.segments.delete(segment.id);
          await unlink(segment.path).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') this.lastError = error;
          });
        }
      } while (this.recycleAgain);
    } finally {
      this.recycling = false;
    }
  }
}

function parseLine(text: string): JournalLine | null {
  if (!text) return null;
  try {
    const line = JSON.parse(text) as JournalLine;
    return line && typeof line.r === 'object' && typeof line.r.request_id === 'string' ? line : null;
  } catch {
    // A torn last line from a crash mid-write: that row was never acknowledged as durable.
    return null;
  }
}

/** Two processes appending to one journal would replay each other's rows; the second is refused at boot. */
function lockDirectory(directory: string): () => void {
  const lockPath = join(directory, 'journal.pid');
  try {
    const holder = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new Error(`The spend journal in ${directory} is in use by process ${holder}. Give each gateway process its own TOLLGATE_DATA_DIR.`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const fd = openSync(lockPath, 'w');
  writeSync(fd, String(process.pid));
  closeSync(fd);
  return () => rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
