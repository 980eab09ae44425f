// The provisioning log's filters, as the admin API's query parameters.

export interface LogFilters {
  configuration?: string;
  outcome?: string;
  operation?: string;
  client?: string;
  direction?: string;
  status?: string;
  text?: string;
  since?: string;
  until?: string;
  resource?: string;
  scimType?: string;
}

/** The query string of the filters set (empty ones left out). */
export function filterQuery(filters: LogFilters, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) {
    if (v !== undefined && v !== null && String(v).trim() !== '') params.set(k, String(v).trim());
  }
  return params.toString();
}

/** The filters as the typed client's query object. */
export function filterParams(filters: LogFilters) {
  const status = filters.status ? Number(filters.status) : undefined;
  return {
    configuration: filters.configuration || undefined,
    outcome: filters.outcome || undefined,
    operation: filters.operation || undefined,
    client: filters.client || undefined,
    direction: filters.direction || undefined,
    status: status !== undefined && Number.isInteger(status) ? status : undefined,
    text: filters.text?.trim() || undefined,
    since: filters.since || undefined,
    until: filters.until || undefined,
    resource: filters.resource || undefined,
    scimType: filters.scimType || undefined,
  };
}

/** Merges two runs of records in the order given (live ones and loaded pages, whichever comes first), each record once. */
export function mergeEntries<T extends { seq: number }>(live: T[], pages: T[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const e of [...live, ...pages]) {
    if (seen.has(e.seq)) continue;
    seen.add(e.seq);
    out.push(e);
  }
  return out;
}

/** A `datetime-local` input's value (local time, no zone) as an RFC 3339 instant; undefined if empty or invalid. */
export function localToIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * The log search a ranked failure opens: a SCIM error type (`uniqueness`), a status
 * (`status 404`) or a refused credential (`revokedToken`), or an attribute refused (`phoneNumbers`),
 * over the window shown.
 */
export function failureSearch(kind: 'type' | 'attribute', name: string, since: string, configuration?: string): string {
  const status = /^status (\d{3})$/.exec(name);
  const credential = ['missingToken', 'invalidToken', 'expiredToken', 'revokedToken', 'credentialNotAllowed'].includes(
    name,
  );
  const what =
    kind === 'attribute'
      ? { text: name }
      : status
        ? { status: status[1] }
        : credential
          ? { status: '401' }
          : { scimType: name };
  return `/logs?${filterQuery({ configuration, outcome: 'failure', since, ...what })}`;
}
