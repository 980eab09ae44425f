// Data through TanStack Query: one key per resource, so changes refresh what shows them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Configuration } from './client';
import type { components } from './schema';

type S = components['schemas'];

export const keys = {
  configurations: ['configurations'] as const,
  configuration: (id: string) => ['configurations', id] as const,
  tokens: (id: string) => ['configurations', id, 'tokens'] as const,
  oauthClients: (id: string) => ['configurations', id, 'oauth-clients'] as const,
  mapping: (id: string) => ['configurations', id, 'mapping'] as const,
  versions: (id: string) => ['configurations', id, 'mapping', 'versions'] as const,
  alerts: (id: string) => ['configurations', id, 'alerts'] as const,
  settings: ['settings'] as const,
  clientProfiles: ['client-profiles'] as const,
};

export function useConfigurations() {
  return useQuery({
    queryKey: keys.configurations,
    queryFn: () => unwrap(api.GET('/api/configurations')),
  });
}

export function useConfiguration(id: string) {
  return useQuery({
    queryKey: keys.configuration(id),
    queryFn: () => unwrap(api.GET('/api/configurations/{id}', { params: { path: { id } } })),
  });
}

export function useCreateConfiguration() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: S['NewConfigurationBody']) => unwrap(api.POST('/api/configurations', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.configurations }),
  });
}

export function useUpdateConfiguration() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, changes }: { id: string; changes: S['ConfigurationChanges'] }) =>
      unwrap(api.PATCH('/api/configurations/{id}', { params: { path: { id } }, body: changes })),
    onSuccess: (updated: Configuration) => {
      client.setQueryData(keys.configuration(updated.id), updated);
      return client.invalidateQueries({ queryKey: keys.configurations });
    },
  });
}

export function useDeleteConfiguration() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/configurations/{id}', { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.configurations }),
  });
}

export function useTokens(id: string) {
  return useQuery({
    queryKey: keys.tokens(id),
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/tokens', { params: { path: { id } } })),
  });
}

export function useCreateToken(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: S['NewTokenBody']) =>
      unwrap(api.POST('/api/configurations/{id}/tokens', { params: { path: { id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.tokens(id) }),
  });
}

export function useRotateToken(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ tokenId, body }: { tokenId: string; body: S['RotateTokenBody'] }) =>
      unwrap(
        api.POST('/api/configurations/{id}/tokens/{token_id}/rotate', {
          params: { path: { id, token_id: tokenId } },
          body,
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.tokens(id) }),
  });
}

export function useRevokeToken(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) =>
      unwrap(
        api.DELETE('/api/configurations/{id}/tokens/{token_id}', {
          params: { path: { id, token_id: tokenId } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.tokens(id) }),
  });
}

export function useOAuthClients(id: string) {
  return useQuery({
    queryKey: keys.oauthClients(id),
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/oauth-clients', { params: { path: { id } } })),
  });
}

export function useCreateOAuthClient(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: S['NewClientBody']) =>
      unwrap(api.POST('/api/configurations/{id}/oauth-clients', { params: { path: { id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.oauthClients(id) }),
  });
}

export function useRevokeOAuthClient(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (clientId: string) =>
      unwrap(
        api.DELETE('/api/configurations/{id}/oauth-clients/{client_id}', {
          params: { path: { id, client_id: clientId } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.oauthClients(id) }),
  });
}

export function useSettings() {
  return useQuery({ queryKey: keys.settings, queryFn: () => unwrap(api.GET('/api/settings')) });
}

/** The client profiles and what every compatibility switch does (fixed for a server version). */
export function useClientProfiles() {
  return useQuery({
    queryKey: keys.clientProfiles,
    queryFn: () => unwrap(api.GET('/api/client-profiles')),
    staleTime: Infinity,
  });
}
