import { screen, within } from '@testing-library/react';
import { renderWithApp } from '../test/render';
import { Figures } from './Chart';

test("a chart's figures are a table, its text alternative", () => {
  renderWithApp(
    <Figures
      title="Requests per hour"
      times={[1_765_000_000, 1_765_003_600]}
      series={[
        { label: 'Requests', color: '#000', values: [12, 3] },
        { label: 'Failures', color: '#f00', values: [1, null] },
      ]}
    />,
  );
  const table = screen.getByRole('table', { name: 'Figures: Requests per hour' });
  const rows = within(table).getAllByRole('row');
  expect(rows).toHaveLength(3);
  expect(rows[0]).toHaveTextContent('TimeRequestsFailures');
  expect(rows[1]).toHaveTextContent('121');
  expect(rows[2]).toHaveTextContent('3—');
});
