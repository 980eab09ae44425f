import { screen } from '@testing-library/react';
import { renderWithApp } from '../../test/render';
import { Steps, csvRows, stepTitles } from './ProvisionOnDemand';

test('the rows of a CSV are offered by line number and first cell', () => {
  expect(csvRows('userPrincipalName,mail\nada@contoso.com,ada@x\n\n"grace@contoso.com",g@x\n')).toEqual([
    { value: '2', label: 'Row 2: ada@contoso.com' },
    { value: '4', label: 'Row 4: grace@contoso.com' },
  ]);
  expect(csvRows('header only')).toEqual([]);
});

test('each step is shown with its title, status and reason', async () => {
  renderWithApp(
    <Steps
      result={{
        row: 2,
        userName: 'ada@contoso.com',
        action: 'skipped',
        detail: 'out of the plan scope',
        attributes: [],
        requests: 0,
        steps: [
          { step: 'import', status: 'done', summary: 'read row 2' },
          { step: 'scope', status: 'skipped', summary: 'out of scope' },
          { step: 'result', status: 'skipped', summary: 'out of the plan scope' },
        ],
      }}
    />,
  );
  expect(await screen.findByText(stepTitles.import)).toBeInTheDocument();
  expect(screen.getByText(stepTitles.scope)).toBeInTheDocument();
  expect(screen.getByText('out of scope')).toBeInTheDocument();
  expect(screen.getAllByLabelText('skipped')).toHaveLength(2);
  expect(screen.getByText('skipped', { selector: '.mantine-Badge-label' })).toBeInTheDocument();
});
