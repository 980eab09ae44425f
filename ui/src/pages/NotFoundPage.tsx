import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { EmptyState } from '../components/States';

export function NotFoundPage() {
  return (
    <EmptyState
      title="This page does not exist"
      action={
        <Button component={Link} to="/">
          Go to the configurations
        </Button>
      }
    >
      The address may be mistyped, or the configuration it named was deleted.
    </EmptyState>
  );
}
