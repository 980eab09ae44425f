import { notifications } from '@mantine/notifications';
import { useEffect } from 'react';
import type { AlertEvent } from '../../api/client';
import { notify } from '../../native';

/** Shows each alert raised or resolved while the console is open, in the page and on the desktop. */
export function useAlertNotifications(signedIn: boolean) {
  useEffect(() => {
    if (!signedIn || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/alerts/stream');
    source.addEventListener('alert', (event) => {
      const alert = JSON.parse((event as MessageEvent<string>).data) as AlertEvent;
      const raised = alert.kind === 'raised';
      const title = `${raised ? 'Alert' : 'Resolved'}: ${alert.ruleName} (${alert.configurationName})`;
      notifications.show({
        title,
        message: alert.message,
        color: raised ? 'red' : 'green',
        autoClose: raised ? false : 8000,
      });
      void notify(title, alert.message).catch(() => undefined);
    });
    return () => source.close();
  }, [signedIn]);
}
