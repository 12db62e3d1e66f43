/**
 * Linux /proc readers the harness uses to judge process hygiene: which processes a plugin started
 * (so none may outlive it), whether a pid that is not our child has gone, and which sockets a
 * plugin listens on (Grafana plugins must bind loopback only).
 *
 * A pid alone is not an identity (pids are reused), so processes are remembered as pid plus the
 * kernel start time from /proc/<pid>/stat.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** one-letter state from /proc/<pid>/stat: R, S, D, Z (zombie), T, ... */
  state: string;
  /** clock ticks since boot; with pid it identifies one process */
  startTime: number;
  comm: string;
}

export function procAvailable(): boolean {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** Reads /proc/<pid>/stat; undefined when the process does not exist (any more). */
export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain spaces or parentheses: split after the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(' ');
  // rest[0] = state (field 3), rest[1] = ppid (field 4), rest[19] = starttime (field 22)
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (state === undefined || !Number.isFinite(ppid) || !Number.isFinite(startTime)) return undefined;
  return { pid, ppid, state, startTime, comm: text.slice(open + 1, close) };
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** All living descendants of pid (children, grandchildren, ...), read in one sweep of /proc. */
export function descendantsOf(pid: number): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const candidate of allPids()) {
    const info = readProc(candidate);
    if (!info) continue;
    const siblings = byParent.get(info.ppid) ?? [];
    siblings.push(info);
    byParent.set(info.ppid, siblings);
  }
  const found: ProcInfo[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const child of byParent.get(parent) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while the very process we saw (same pid and start time) still runs; zombies count as gone. */
export function stillRunning(seen: Pick<ProcInfo, 'pid' | 'startTime'>): boolean {
  const now = readProc(seen.pid);
  return now !== undefined && now.startTime === seen.startTime && now.state !== 'Z' && now.state !== 'X';
}

export interface ListeningSocket {
  protocol: 'tcp' | 'tcp6';
  address: string;
  port: number;
}

/** Hex address from /proc/net/tcp (little-endian words) to dotted or colon text. */
function decodeProcAddress(hex: string, family: 'tcp' | 'tcp6'): string {
  if (family === 'tcp') {
    const bytes = Buffer.from(hex, 'hex');
    return `${bytes[3]}.${bytes[2]}.${bytes[1]}.${bytes[0]}`;
  }
  // IPv6: four 32-bit words, each little-endian.
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const word = Buffer.from(hex.slice(i, i + 8), 'hex').reverse().toString('hex');
    words.push(word.slice(0, 4), word.slice(4, 8));
  }
  return words.map((w) => w.replace(/^0+(?=.)/, '')).join(':');
}

/** TCP sockets in LISTEN state owned by pid (via its fd table and /proc/<pid>/net/tcp{,6}). */
export function listeningSockets(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // fd closed while we looked
    }
  }
  const sockets: ListeningSocket[] = [];
  for (const protocol of ['tcp', 'tcp6'] as const) {
    let table: string;
    try {
      table = readFileSync(`/proc/${pid}/net/${protocol}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      const [addrHex, portHex] = cols[1]!.split(':');
      sockets.push({ protocol, address: decodeProcAddress(addrHex!, protocol), port: parseInt(portHex!, 16) });
    }
  }
  return sockets;
}

/** Loopback in any spelling the kernel reports: 127.0.0.0/8, ::1, or v4-mapped 127.x. */
export function isLoopbackAddress(address: string): boolean {
  if (/^127\./.test(address)) return true;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  return /^(0:){5}ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(lower) || /^::ffff:127\./.test(lower);
}

let clockTicks: number | undefined;
/** Kernel clock ticks per second (USER_HZ) for /proc CPU times: `getconf CLK_TCK`, 100 if unknown. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, in seconds; undefined if it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[11] = utime (field 14), rest[12] = stime (field 15)
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond();
}
