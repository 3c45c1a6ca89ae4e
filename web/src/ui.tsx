import { useEffect, useState, type ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function ErrorNote({ title, children }: { title?: string; children: ReactNode }) {
  return (
    <div className="error" role="alert">
      {title && <strong>{title} </strong>}
      {children}
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const hid = `${id ?? title.replace(/\W+/g, '-').toLowerCase()}-h`;
  return (
    <section aria-labelledby={hid} className="card">
      <h2 id={hid}>{title}</h2>
      {children}
    </section>
  );
}

/** An address, shortened, with the full one for screen readers and on hover. */
export function Addr({ address, names }: { address: string | null | undefined; names?: Map<string, string> }) {
  if (!address) return <span>—</span>;
  const name = names?.get(address);
  return (
    <span className="addr" title={address}>
      {name ? `${name} ` : ''}
      <code>{`${address.slice(0, 6)}…${address.slice(-4)}`}</code>
      <span className="sr-only"> (address {address})</span>
    </span>
  );
}

export function when(ms: string | number | null | undefined) {
  if (ms == null) return '—';
  const n = Number(ms);
  if (!Number.isFinite(n)) return String(ms);
  return new Date(n).toLocaleString();
}

/** Runs `load` whenever `deps` change; {data, error, loading, reload}. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Field({ label, id, children, hint }: { label: string; id: string; children: ReactNode; hint?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** Accounts' display names, by address. */
export type Names = Map<string, string>;

/** An account's name, or the start of its address. */
export const who = (names: Names, a: string) => names.get(a) ?? `${a.slice(0, 8)}…`;
