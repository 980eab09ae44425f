import { List, Tabs, Text } from '@mantine/core';

/** Where the SCIM base URL and the token go in each identity provider. */
export function IdpSteps() {
  return (
    <Tabs defaultValue="entra" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="entra">Entra ID</Tabs.Tab>
        <Tabs.Tab value="okta">Okta</Tabs.Tab>
        <Tabs.Tab value="onelogin">OneLogin</Tabs.Tab>
        <Tabs.Tab value="google">Google</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="entra" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            Entra admin center → <b>Enterprise applications</b> → <b>New application</b> →{' '}
            <b>Create your own application</b> → “Integrate any other application you don't find in the gallery”.
          </List.Item>
          <List.Item>
            In the app: <b>Provisioning</b> → Provisioning Mode <b>Automatic</b> → <b>Admin Credentials</b>.
          </List.Item>
          <List.Item>
            Paste the SCIM base URL into <b>Tenant URL</b> and the token into <b>Secret Token</b>, then press{' '}
            <b>Test Connection</b> and <b>Save</b>.
          </List.Item>
          <List.Item>
            Review <b>Mappings</b> (remove attributes this connection's mapping plan does not accept), set the scope to
            “Sync only assigned users and groups”, assign users, and turn <b>Provisioning Status</b> on. Entra runs a
            cycle about every 40 minutes; watch it under Provisioning logs here.
          </List.Item>
        </List>
      </Tabs.Panel>
      <Tabs.Panel value="okta" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            Okta Admin Console → <b>Applications</b> → your app (SAML 2.0 or SWA) → <b>General</b> → App Settings →
            enable <b>SCIM provisioning</b>.
          </List.Item>
          <List.Item>
            <b>Provisioning</b> → <b>Integration</b>: paste the SCIM base URL into <b>SCIM connector base URL</b>;
            unique identifier field <b>userName</b>; actions: Push New Users, Push Profile Updates, Push Groups.
          </List.Item>
          <List.Item>
            Authentication Mode <b>HTTP Header</b>: paste the token as the <b>Bearer</b> authorization, then{' '}
            <b>Test Connector Configuration</b> and <b>Save</b>.
          </List.Item>
          <List.Item>
            <b>Provisioning</b> → <b>To App</b>: enable Create Users, Update User Attributes and Deactivate Users;
            assign people and push groups.
          </List.Item>
        </List>
      </Tabs.Panel>
      <Tabs.Panel value="onelogin" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            OneLogin → <b>Applications</b> → <b>Add App</b> → “SCIM Provisioner with SAML (SCIM v2 Enterprise)”.
          </List.Item>
          <List.Item>
            <b>Configuration</b>: paste the SCIM base URL into <b>SCIM Base URL</b> and the token into{' '}
            <b>SCIM Bearer Token</b>; press <b>Enable</b> under API Connection.
          </List.Item>
          <List.Item>
            <b>Provisioning</b>: tick <b>Enable provisioning</b>, choose what happens on delete and suspension, save,
            then assign users.
          </List.Item>
        </List>
      </Tabs.Panel>
      <Tabs.Panel value="google" pt="sm">
        <List type="ordered" size="sm" spacing={4}>
          <List.Item>
            Google Admin console → <b>Apps</b> → <b>Web and mobile apps</b> → the app → <b>Auto-provisioning</b>.
          </List.Item>
          <List.Item>
            Where the app asks for an endpoint and a token, paste the SCIM base URL and the token; map attributes and
            choose the groups in scope.
          </List.Item>
          <List.Item>
            Turn auto-provisioning <b>On</b>. Google provisions only to apps that offer auto-provisioning in its
            catalogue.
          </List.Item>
        </List>
      </Tabs.Panel>
      <Text size="xs" c="dimmed" mt="sm">
        The identity provider's test calls this endpoint as it will during provisioning; its requests show up in the
        Provisioning logs at once.
      </Text>
    </Tabs>
  );
}
