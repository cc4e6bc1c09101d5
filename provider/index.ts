// pulumi-entra-provisioning: Pulumi dynamic resources for Microsoft Entra app provisioning.
export {};
