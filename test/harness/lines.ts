/**
 * Splits a byte stream into lines the way Go's bufio readers do for go-plugin: '\n' ends a line,
 * a trailing '\r' is dropped, and a final unterminated line is still delivered at end of stream.
 * Lines longer than `maxLineBytes` are delivered in pieces flagged as fragments (go-plugin reads
 * stderr through a 64 KiB buffer and logs such pieces raw).
 */
export interface LinePiece {
  text: string;
  /** byte length of the piece (without the newline) */
  bytes: number;
  /** part of a line that did not fit the reader's buffer */
  fragment: boolean;
}

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** the current line already had a piece delivered as a fragment */
  private continuing = false;

  constructor(
    private readonly onLine: (piece: LinePiece) => void,
    private readonly maxLineBytes = Infinity,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      if (newline < 0) break;
      this.append(chunk.subarray(start, newline));
      this.flushLine(true);
      start = newline + 1;
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** End of stream: deliver what is left. */
  end(): void {
    if (this.pendingBytes > 0) this.flushLine(true);
  }

  private append(bytes: Buffer): void {
    let rest = bytes;
    // Emit buffer-sized fragments as soon as a line outgrows the reader's buffer.
    while (this.pendingBytes + rest.length >= this.maxLineBytes) {
      const take = this.maxLineBytes - this.pendingBytes;
      this.pending.push(rest.subarray(0, take));
      this.pendingBytes += take;
      rest = rest.subarray(take);
      this.flushLine(false, true);
    }
    if (rest.length > 0) {
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
  }

  private flushLine(complete: boolean, forceFragment = false): void {
    let line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    if (complete && line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    const fragment = forceFragment || this.continuing;
    if (complete && line.length === 0 && this.continuing) {
      // the newline right after a full-buffer fragment only ends the line
      this.continuing = false;
      return;
    }
    this.onLine({ text: line.toString('utf8'), bytes: line.length, fragment });
    this.continuing = !complete;
  }
}
