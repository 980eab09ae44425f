// Who is signed in and what they may do (`/api/me`), read once per session: the navigation and
// the pages offer only what the caller's roles allow (the server refuses the rest anyway).
import { useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from './client';

export type Me = Schemas['MeView'];
export type Area = Schemas['Area'];
export const meKey = ['me'] as const;

/** Who is signed in, and what they may do across the server or, given one, on a configuration. */
export function useMe(configuration?: string) {
  return useQuery({
    queryKey: configuration ? [...meKey, configuration] : meKey,
    queryFn: () => unwrap(api.GET('/api/me', { params: { query: { configuration } } })),
    staleTime: 60_000,
  });
}

/** Whether `me` may read (or, with `write`, change) `area` on some configuration at least. */
export function may(me: Me | undefined, area: Area, access: 'read' | 'write' = 'read'): boolean {
  // Until `/api/me` answers, offer nothing that needs a role.
  const entry = me?.areas.find((a) => a.area === area);
  return entry ? entry[access] : false;
}

/** The grants as words: `editor (2 configurations), viewer`. */
export function rolesText(grants: Schemas['Grant'][]): string {
  return grants
    .map((g) =>
      g.configurations && g.configurations.length > 0
        ? `${g.role} (${g.configurations.length} configuration${g.configurations.length === 1 ? '' : 's'})`
        : g.role,
    )
    .join(', ');
}
