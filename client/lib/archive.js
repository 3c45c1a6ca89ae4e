// A plain, uncompressed POSIX ustar archive, written and read with Node's
// built-ins only: regular files, 512-byte headers, contents padded to 512
// bytes, two zero blocks at the end. `tar -tvf` and `tar -xf` read it.
//
// writeTar streams each file from disk (constant memory); openTar indexes an
// archive by reading its headers only, refusing, with `code` set:
//   ArchiveCorrupt    a header whose checksum, magic, type, size or name is wrong;
//                     a path twice; a path that climbs out (.., absolute)
//   ArchiveTruncated  the file ends inside a header or a file's contents, or
//                     before the end-of-archive blocks
// and then reads a file's bytes on demand.

import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { once } from 'node:events';

import { PortabilityError } from './core/portability.js';

const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1; // 11 octal digits: 8 GiB - 1

function header(path, size, mtime) {
  const h = Buffer.alloc(BLOCK);
  const name = Buffer.from(path, 'utf8');
  if (name.length > 100) throw new Error(`tar: path too long: ${path}`);
  if (size > MAX_SIZE) throw new Error(`tar: file too large: ${path}`);
  name.copy(h, 0);
  h.write('0000644\0', 100, 'ascii'); // mode
  h.write('0000000\0', 108, 'ascii'); // uid
  h.write('0000000\0', 116, 'ascii'); // gid
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(`${Math.floor(mtime / 1000).toString(8).padStart(11, '0')}\0`, 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum counted as spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/**
 * Writes `entries` ([{path, file}], `file` a path on disk) as a tar at
 * `out` (which must not exist), in the given order.
 */
export async function writeTar(out, entries, { mtime = Date.now() } = {}) {
  const ws = createWriteStream(out, { flags: 'wx', mode: 0o600 });
  const write = async (buf) => {
    if (!ws.write(buf)) await once(ws, 'drain');
  };
  try {
    for (const { path, file } of entries) {
      const size = statSync(file).size;
      await write(header(path, size, mtime));
      let n = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        n += chunk.length;
        await write(chunk);
      }
      if (n !== size) throw new Error(`tar: ${file} changed while it was written`);
      if (size % BLOCK) await write(Buffer.alloc(BLOCK - (size % BLOCK)));
    }
    await write(Buffer.alloc(2 * BLOCK));
    ws.end();
    await once(ws, 'finish');
  } catch (e) {
    ws.destroy();
    throw e;
  }
}

const corrupt = (msg) => new PortabilityError('ArchiveCorrupt', msg);
const truncated = (msg) => new PortabilityError('ArchiveTruncated', msg);

function octal(h, at, len, what, where) {
  const s = h.toString('ascii', at, at + len).replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (!/^[0-7]+$/.test(s)) throw corrupt(`${where}: bad ${what} field ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/**
 * Indexes the tar at `path`. Returns {paths, size(p), read(p) -> Promise<Uint8Array>, close()},
 * the shape verifyArchive takes.
 */
export function openTar(path) {
  const fd = openSync(path, 'r');
  try {
    const total = fstatSync(fd).size;
    const index = new Map();
    let at = 0;
    const h = Buffer.alloc(BLOCK);
    for (;;) {
      if (at + BLOCK > total) throw truncated(`${path} ends at byte ${total}, inside a header or before the end-of-archive blocks`);
      readSync(fd, h, 0, BLOCK, at);
      if (h.every((b) => b === 0)) {
        const next = Buffer.alloc(BLOCK);
        if (at + 2 * BLOCK > total) throw truncated(`${path} ends after one of the two end-of-archive blocks`);
        readSync(fd, next, 0, BLOCK, at + BLOCK);
        if (!next.every((b) => b === 0)) throw corrupt(`${path}: a zero block inside the archive at byte ${at}`);
        break;
      }
      const where = `${path} at byte ${at}`;
      const stored = octal(h, 148, 8, 'checksum', where);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
      if (sum !== stored) throw corrupt(`${where}: header checksum ${stored}, computed ${sum}`);
      if (h.toString('ascii', 257, 262) !== 'ustar') throw corrupt(`${where}: not a ustar header`);
      const type = String.fromCharCode(h[156]);
      const nameEnd = h.indexOf(0, 0);
      const prefixEnd = h.indexOf(0, 345);
      const name = h.toString('utf8', 0, nameEnd === -1 || nameEnd > 100 ? 100 : nameEnd);
      const prefix = h.toString('utf8', 345, prefixEnd === -1 || prefixEnd > 500 ? 500 : prefixEnd);
      const full = prefix ? `${prefix}/${name}` : name;
      const size = octal(h, 124, 12, 'size', where);
      if (type === '5') {
        if (size !== 0) throw corrupt(`${where}: a directory with contents`);
        at += BLOCK;
        continue;
      }
      if (type !== '0' && type !== '\0') throw corrupt(`${where}: ${full} is not a regular file (type ${JSON.stringify(type)})`);
      if (!full || full.startsWith('/') || full.split('/').some((s) => s === '..' || s === '' || s === '.')) throw corrupt(`${where}: unsafe path ${JSON.stringify(full)}`);
      if (index.has(full)) throw corrupt(`${where}: ${full} is in the archive twice`);
      const start = at + BLOCK;
      if (start + size > total) throw truncated(`${path} ends inside ${full}: ${Math.max(0, total - start)} of its ${size} bytes are there`);
      index.set(full, { start, size });
      at = start + Math.ceil(size / BLOCK) * BLOCK;
    }
    return {
      paths: [...index.keys()],
      size: (p) => index.get(p)?.size ?? 0,
      async read(p) {
        const e = index.get(p);
        if (!e) throw new PortabilityError('MissingFile', `${p} is not in the archive`);
        const buf = Buffer.alloc(e.size);
        let n = 0;
        while (n < e.size) {
          const r = readSync(fd, buf, n, e.size - n, e.start + n);
          if (r === 0) throw truncated(`${path} changed while it was read`);
          n += r;
        }
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
      },
      close: () => closeSync(fd),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
