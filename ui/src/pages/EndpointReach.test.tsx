import { screen } from '@testing-library/react';
import { renderWithApp } from '../test/render';
import { DeployPage } from './DeployPage';
import { EndpointReach } from './EndpointReach';

test('a loopback endpoint says it is for this machine, and links to deploying a console', () => {
  renderWithApp(<EndpointReach baseUrl="http://127.0.0.1:8444/scim/default/v2" />);
  expect(screen.getByText('Reachable only from this machine')).toBeInTheDocument();
  expect(screen.getByTestId('endpoint-reach').textContent).toMatch(/cannot reach http:\/\/127\.0\.0\.1:8444/);
  expect(screen.getByTestId('endpoint-reach').textContent).toMatch(/pilot runs, the sample tester, the conformance/);
  expect(screen.getByRole('link', { name: 'Deploy a console' })).toHaveAttribute('href', '/deploy');
});

test('a private address and plain HTTP are said; a public HTTPS endpoint needs no word', () => {
  const first = renderWithApp(<EndpointReach baseUrl="https://192.168.1.20:8444/scim/a/v2" />);
  expect(screen.getByText('Reachable from your network only')).toBeInTheDocument();
  first.unmount();
  const second = renderWithApp(<EndpointReach baseUrl="http://scim.example.com/scim/a/v2" />);
  expect(screen.getByText('Identity providers require HTTPS')).toBeInTheDocument();
  second.unmount();
  renderWithApp(<EndpointReach baseUrl="https://scim.example.com/scim/a/v2" />);
  expect(screen.queryByTestId('endpoint-reach')).toBeNull();
});

test('the deploy guide is the page, its headings under the page title, its repository links as text', () => {
  renderWithApp(<DeployPage />);
  expect(screen.getAllByRole('heading', { level: 1 }).map((h) => h.textContent)).toEqual(['Deploy a console']);
  expect(
    screen.getByRole('heading', { level: 2, name: 'Deploying a console identity providers can reach' }),
  ).toBeInTheDocument();
  expect(screen.getByRole('heading', { name: 'TLS or a reverse proxy' })).toBeInTheDocument();
  const guide = screen.getByTestId('deploy-guide');
  expect(guide.textContent).toContain('(docs/administrators.md)');
  expect(guide.querySelector('a[href="administrators.md"]')).toBeNull();
});
