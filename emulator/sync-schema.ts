import { stableGuid } from "./random";

/**
 * Builds the synchronizationSchema a gallery connector ships with: the Entra source directory, the
 * target application's directory, and one synchronization rule whose object mappings carry the
 * attribute mappings. Shapes follow https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationschema;
 * the content is representative rather than a copy of any one real connector.
 */
export interface SchemaSpec {
  templateId: string;
  targetDirectory: string;
  /**
   * inbound = HR app → Entra (Workday, SuccessFactors); outbound = Entra → SaaS app;
   * roleImport = the app's roles → Entra app roles (the non-gallery app's `customappssoRoleIn`).
   */
  direction: "outbound" | "inbound" | "roleImport";
  groups: boolean;
}

export const ENTRA_DIRECTORY = "Azure Active Directory";

type Attr = [name: string, type: string, opts?: { anchor?: boolean; multivalued?: boolean; required?: boolean; ref?: string }];

function attribute([name, type, o = {}]: Attr): Record<string, unknown> {
  return {
    name,
    type,
    anchor: o.anchor ?? false,
    caseExact: false,
    defaultValue: null,
    flowNullValues: false,
    multivalued: o.multivalued ?? false,
    mutability: name === "objectId" || name === "id" ? "ReadOnly" : "ReadWrite",
    required: o.required ?? false,
    referencedObjects: o.ref ? [{ referencedObjectName: o.ref, referencedProperty: null }] : [],
    apiExpressions: [],
    metadata: [],
  };
}

function objectDef(name: string, attrs: Attr[]): Record<string, unknown> {
  return { name, attributes: attrs.map(attribute), metadata: [], supportedApis: [] };
}

function directory(id: string, name: string, objects: Record<string, unknown>[]): Record<string, unknown> {
  return {
    id,
    name,
    discoverabilities: "AttributeNames,AttributeDataTypes",
    discoveryDateTime: null,
    readOnly: name === ENTRA_DIRECTORY,
    version: "1.0",
    objects,
  };
}

const ENTRA_USER: Attr[] = [
  ["objectId", "String", { anchor: true }], ["userPrincipalName", "String"], ["mail", "String"],
  ["mailNickname", "String"], ["displayName", "String"], ["givenName", "String"], ["surname", "String"],
  ["jobTitle", "String"], ["accountEnabled", "Boolean"], ["manager", "Reference", { ref: "User" }],
  ["IsSoftDeleted", "Boolean"],
  // Read by SingleAppRoleAssignment / AppRoleAssignmentsComplex (functions-for-customizing-application-data).
  ["appRoleAssignments", "String", { multivalued: true }],
];
const ENTRA_GROUP: Attr[] = [
  ["objectId", "String", { anchor: true }], ["displayName", "String"], ["mailNickname", "String"],
  ["members", "Reference", { multivalued: true, ref: "User" }],
];
const APP_USER: Attr[] = [
  ["id", "String", { anchor: true }], ["userName", "String", { required: true }], ["active", "Boolean"],
  ["displayName", "String"], ['emails[type eq "work"].value', "String"], ["name.givenName", "String"],
  ["name.familyName", "String"], ["title", "String"], ["externalId", "String"],
];
const APP_GROUP: Attr[] = [
  ["id", "String", { anchor: true }], ["displayName", "String", { required: true }], ["externalId", "String"],
  ["members", "Reference", { multivalued: true, ref: "User" }],
];

const attr = (name: string) => ({ type: "Attribute", name, expression: `[${name}]`, parameters: [] });

function mapping(target: string, source: ReturnType<typeof attr>, matchingPriority = 0): Record<string, unknown> {
  return {
    targetAttributeName: target,
    source,
    defaultValue: null,
    exportMissingReferences: false,
    flowBehavior: "FlowWhenChanged",
    flowType: "Always",
    matchingPriority,
  };
}

const EMPTY_SCOPE = { categoryFilterGroups: [], groups: [], inputFilterGroups: [] };

function objectMapping(name: string, source: string, target: string, maps: Record<string, unknown>[]) {
  return {
    name,
    enabled: true,
    flowTypes: "Add,Update,Delete",
    sourceObjectName: source,
    targetObjectName: target,
    metadata: [],
    scope: EMPTY_SCOPE,
    attributeMappings: maps,
  };
}

const APP_ROLE: Attr[] = [["id", "String", { anchor: true }], ["displayName", "String"], ["value", "String"], ["description", "String"]];

/**
 * Role import (app → Entra app roles): one rule from the application's Role objects to the
 * Entra AppRole objects. It provisions no users or groups.
 */
function roleImportSchema(spec: SchemaSpec): Record<string, unknown> {
  const appDir = directory(stableGuid(`${spec.templateId}:dir`), spec.targetDirectory, [objectDef("Role", APP_ROLE)]);
  const entraDir = directory(stableGuid("entra:dir"), ENTRA_DIRECTORY, [objectDef("AppRole", APP_ROLE)]);
  const rule = {
    id: stableGuid(`${spec.templateId}:rule`),
    name: "ROLE_INBOUND_APPROLE",
    sourceDirectoryName: spec.targetDirectory,
    targetDirectoryName: ENTRA_DIRECTORY,
    editable: true,
    priority: 1,
    containerFilter: { includedContainers: [] },
    groupFilter: { includedGroups: [] },
    metadata: [],
    objectMappings: [
      objectMapping(`Import ${spec.targetDirectory} Roles`, "Role", "AppRole", [
        mapping("id", attr("id"), 1),
        mapping("displayName", attr("displayName")),
        mapping("value", attr("value")),
        mapping("description", attr("description")),
      ]),
    ],
  };
  return { id: spec.templateId, version: "Date:2024-01-01T00:00:00Z~Version:1", directories: [appDir, entraDir], synchronizationRules: [rule] };
}

export function buildSchema(spec: SchemaSpec): Record<string, unknown> {
  if (spec.direction === "roleImport") return roleImportSchema(spec);
  const appDir = directory(stableGuid(`${spec.templateId}:dir`), spec.targetDirectory, [
    objectDef("User", APP_USER),
    ...(spec.groups ? [objectDef("Group", APP_GROUP)] : []),
  ]);
  const entraDir = directory(stableGuid("entra:dir"), ENTRA_DIRECTORY, [
    objectDef("User", ENTRA_USER),
    objectDef("Group", ENTRA_GROUP),
  ]);
  const outbound = spec.direction === "outbound";
  const userMappings = outbound
    ? [
        mapping("userName", attr("userPrincipalName"), 1),
        mapping("active", { type: "Function", name: "Not", expression: "Not([IsSoftDeleted])", parameters: [] }),
        mapping("displayName", attr("displayName")),
        mapping('emails[type eq "work"].value', attr("mail")),
        mapping("name.givenName", attr("givenName")),
        mapping("name.familyName", attr("surname")),
        mapping("title", attr("jobTitle")),
        mapping("externalId", attr("mailNickname")),
      ]
    : [
        mapping("userPrincipalName", attr("userName"), 1),
        mapping("displayName", attr("displayName")),
        mapping("givenName", attr("name.givenName")),
        mapping("surname", attr("name.familyName")),
        mapping("jobTitle", attr("title")),
        mapping("accountEnabled", attr("active")),
      ];
  const objectMappings = [
    outbound
      ? objectMapping("Provision Microsoft Entra ID Users", "User", "User", userMappings)
      : objectMapping(`Synchronize ${spec.targetDirectory} Worker to Microsoft Entra ID User`, "User", "User", userMappings),
  ];
  if (spec.groups && outbound) {
    objectMappings.push(
      objectMapping("Provision Microsoft Entra ID Groups", "Group", "Group", [
        mapping("displayName", attr("displayName"), 1),
        mapping("externalId", attr("objectId")),
        mapping("members", attr("members")),
      ]),
    );
  }
  const rule = {
    id: stableGuid(`${spec.templateId}:rule`),
    name: outbound ? "USER_TO_USER" : "USER_INBOUND_USER",
    sourceDirectoryName: outbound ? ENTRA_DIRECTORY : spec.targetDirectory,
    targetDirectoryName: outbound ? spec.targetDirectory : ENTRA_DIRECTORY,
    editable: true,
    priority: 1,
    containerFilter: { includedContainers: [] },
    groupFilter: { includedGroups: [] },
    metadata: [],
    objectMappings,
  };
  return {
    id: spec.templateId,
    version: "Date:2024-01-01T00:00:00Z~Version:1",
    directories: outbound ? [entraDir, appDir] : [appDir, entraDir],
    synchronizationRules: [rule],
  };
}
