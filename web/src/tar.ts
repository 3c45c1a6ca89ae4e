// A plain, uncompressed POSIX ustar archive built in memory in the browser,
// with exactly the layout client/lib/archive.js writes (so the Node CLI's
// `import --verify-only` reads it, and `tar -tvf` lists it): for each file a
// 512-byte header (name, mode 0644, uid and gid 0, size, mtime, checksum,
// type '0', magic "ustar\0", version "00"), its contents padded to 512
// bytes, then two zero blocks.

const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1; // 11 octal digits, as archive.js
const utf8 = new TextEncoder();

function header(path: string, size: number, mtimeMs: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const name = utf8.encode(path);
  if (name.length > 100) throw new Error(`tar: path too long: ${path}`);
  if (size > MAX_SIZE) throw new Error(`tar: file too large: ${path}`);
  h.set(name, 0);
  const ascii = (s: string, at: number) => {
    for (let i = 0; i < s.length; i++) h[at + i] = s.charCodeAt(i);
  };
  ascii('0000644\0', 100); // mode
  ascii('0000000\0', 108); // uid
  ascii('0000000\0', 116); // gid
  ascii(`${size.toString(8).padStart(11, '0')}\0`, 124);
  ascii(`${Math.floor(mtimeMs / 1000).toString(8).padStart(11, '0')}\0`, 136);
  ascii('        ', 148); // the checksum counts its own field as spaces
  ascii('0', 156); // regular file
  ascii('ustar\0', 257);
  ascii('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  ascii(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/**
 * The archive of `entries` (in the given order) as parts for a Blob: no
 * single copy of the whole archive is made here.
 */
export function tarParts(entries: { path: string; bytes: Uint8Array }[], { mtime = Date.now() }: { mtime?: number } = {}): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (const { path, bytes } of entries) {
    parts.push(header(path, bytes.length, mtime), bytes);
    if (bytes.length % BLOCK) parts.push(new Uint8Array(BLOCK - (bytes.length % BLOCK)));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  return parts;
}

/** The order files go into the archive, as client/lib/portability.js's: the manifest first, then the rest by path. */
export function tarOrder(paths: string[]): string[] {
  const rank = (p: string) => ['manifest.json', 'manifest.sig', 'bundle.json', 'audit/trail.json'].indexOf(p);
  return [...paths].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    if (ra !== -1 || rb !== -1) return (ra === -1 ? 99 : ra) - (rb === -1 ? 99 : rb);
    return a < b ? -1 : 1;
  });
}
