import { CUSTOM_TEMPLATE_ID, GalleryApp, instanceHomepage } from "./catalogue";
import { badRequest } from "./errors";
import { stableGuid } from "./random";
import {
  APPLICATION_PROPS_BETA,
  APPLICATION_PROPS_V1,
  PropList,
  SERVICE_PRINCIPAL_PROPS_BETA,
  SERVICE_PRINCIPAL_PROPS_V1,
} from "./shapes";

/**
 * Directory objects as stored (the union of v1.0 and beta members) and their projection to the
 * wire: each API version returns exactly its own CSDL members, and `$select` narrows that.
 */
export type Entity = { id: string } & Record<string, unknown>;
export type ApiVersion = "v1.0" | "beta";
export type DirectoryType = "application" | "servicePrincipal";

const OMIT = new Set(["logo"]); // Edm.Stream: never serialized inline

function withBase(list: PropList): PropList {
  return [["id", "s"], ["deletedDateTime", "s"], ...list.filter(([n]) => !OMIT.has(n))];
}

const PROPS: Record<DirectoryType, Record<ApiVersion, PropList>> = {
  application: { "v1.0": withBase(APPLICATION_PROPS_V1), beta: withBase(APPLICATION_PROPS_BETA) },
  servicePrincipal: { "v1.0": withBase(SERVICE_PRINCIPAL_PROPS_V1), beta: withBase(SERVICE_PRINCIPAL_PROPS_BETA) },
};

const NAMES: Record<DirectoryType, Record<ApiVersion, Set<string>>> = {
  application: { "v1.0": new Set(PROPS.application["v1.0"].map(([n]) => n)), beta: new Set(PROPS.application.beta.map(([n]) => n)) },
  servicePrincipal: {
    "v1.0": new Set(PROPS.servicePrincipal["v1.0"].map(([n]) => n)),
    beta: new Set(PROPS.servicePrincipal.beta.map(([n]) => n)),
  },
};

/** Properties a client may not set with PATCH. */
export const READ_ONLY: Record<DirectoryType, ReadonlySet<string>> = {
  application: new Set(["id", "appId", "applicationTemplateId", "createdDateTime", "deletedDateTime", "publisherDomain", "createdByAppId"]),
  servicePrincipal: new Set(["id", "appId", "applicationTemplateId", "appOwnerOrganizationId", "deletedDateTime", "appDisplayName", "createdByAppId"]),
};

export function propertyNames(type: DirectoryType, version: ApiVersion): ReadonlySet<string> {
  return NAMES[type][version];
}

/** Parses `$select`; unknown names are a 400 like Graph's. */
export function parseSelect(select: string | null, type: DirectoryType | ReadonlySet<string>, version: ApiVersion, typeName?: string): string[] | undefined {
  if (!select) return undefined;
  const names = typeof type === "string" ? NAMES[type][version] : type;
  const fields = select.split(",").map((s) => s.trim()).filter(Boolean);
  for (const f of fields) {
    if (!names.has(f)) {
      throw badRequest(`Could not find a property named '${f}' on type 'microsoft.graph.${typeName ?? type}'.`);
    }
  }
  return fields;
}

/**
 * "By default, this API doesn't return the public key value of the key in the keyCredentials
 * property unless keyCredentials is specified in a $select query" (application-get.md,
 * serviceprincipal-get.md).
 */
function withoutKeyValues(creds: unknown): unknown {
  if (!Array.isArray(creds)) return creds;
  return creds.map((c) => (c && typeof c === "object" && "key" in c ? { ...(c as Record<string, unknown>), key: null } : c));
}

export function project(entity: Entity, type: DirectoryType, version: ApiVersion, select?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (select) {
    for (const name of select) {
      const stored = type === "servicePrincipal" && name === "publishedPermissionScopes" ? "oauth2PermissionScopes" : name;
      out[name] = entity[stored] ?? null;
    }
    return out;
  }
  for (const [name, kind] of PROPS[type][version]) {
    const v = entity[name];
    out[name] = v !== undefined ? v : kind === "c" ? [] : kind === "b" ? false : null;
  }
  if ("keyCredentials" in out) out.keyCredentials = withoutKeyValues(out.keyCredentials);
  if (version === "beta" && type === "servicePrincipal") out.publishedPermissionScopes = entity.oauth2PermissionScopes ?? [];
  return out;
}

const USER_IMPERSONATION = (id: string, displayName: string) => ({
  adminConsentDescription: `Allow the application to access ${displayName} on behalf of the signed-in user.`,
  adminConsentDisplayName: `Access ${displayName}`,
  id,
  isEnabled: true,
  type: "User",
  userConsentDescription: `Allow the application to access ${displayName} on your behalf.`,
  userConsentDisplayName: `Access ${displayName}`,
  value: "user_impersonation",
});

const APP_ROLE = (id: string, name: string) => ({
  allowedMemberTypes: ["User"],
  description: name,
  displayName: name,
  id,
  isEnabled: true,
  origin: "Application",
  value: null,
});

const NO_VERIFIED_PUBLISHER = () => ({ displayName: null, verifiedPublisherId: null, addedDateTime: null });

export interface NewIds {
  appObjectId: string;
  appId: string;
  spObjectId: string;
  scopeId: string;
  roleId: string;
}

/**
 * The application + servicePrincipal pair instantiate creates, shaped like Microsoft's examples:
 * the v1.0 instantiate page (gallery app "Azure AD SAML Toolkit": msiam_access role, homepage with
 * the gallery metadata marker, SP tag WindowsAzureActiveDirectoryIntegratedApp) and the
 * application-proxy tutorial's non-gallery instance (roles "User" and "msiam_access", no reply
 * URLs, SP tags WindowsAzureActiveDirectoryCustomSingleSignOnApplication +
 * WindowsAzureActiveDirectoryIntegratedApp). The user_impersonation scope's texts carry the
 * display name given at instantiate, and keep it after a rename (terraform-provider-azuread PR 1406).
 */
export function instantiatePair(template: GalleryApp, displayName: string, ids: NewIds, tenantId: string, callerAppId: string, now: string): { application: Entity; servicePrincipal: Entity } {
  const custom = template.id === CUSTOM_TEMPLATE_ID;
  const saml = template.supportedSingleSignOnModes.includes("saml");
  const appRoles = custom
    ? [APP_ROLE(stableGuid(`${ids.roleId}:User`), "User"), APP_ROLE(ids.roleId, "msiam_access")]
    : saml ? [APP_ROLE(ids.roleId, "msiam_access")] : [];
  const scopes = [USER_IMPERSONATION(ids.scopeId, displayName)];
  const homepage = instanceHomepage(template);
  const application: Entity = {
    id: ids.appObjectId,
    deletedDateTime: null,
    appId: ids.appId,
    applicationTemplateId: template.id,
    createdDateTime: now,
    createdByAppId: callerAppId,
    displayName,
    description: null,
    notes: null,
    tags: [],
    signInAudience: "AzureADMyOrg",
    publisherDomain: "emulator.onmicrosoft.com",
    identifierUris: [],
    groupMembershipClaims: null,
    isFallbackPublicClient: false,
    isDeviceOnlyAuthSupported: null,
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      requestedAccessTokenVersion: null,
      oauth2PermissionScopes: scopes,
      preAuthorizedApplications: [],
    },
    web: {
      homePageUrl: homepage,
      logoutUrl: null,
      redirectUris: [...template.replyUrls],
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
    },
    spa: { redirectUris: [] },
    publicClient: { redirectUris: [] },
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    appRoles,
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: "Allow" },
    optionalClaims: null,
    defaultRedirectUri: null,
    samlMetadataUrl: null,
    verifiedPublisher: NO_VERIFIED_PUBLISHER(),
  };
  const servicePrincipal: Entity = {
    id: ids.spObjectId,
    deletedDateTime: null,
    accountEnabled: true,
    appDisplayName: displayName,
    appDescription: null,
    appId: ids.appId,
    applicationTemplateId: template.id,
    appOwnerOrganizationId: tenantId,
    appRoleAssignmentRequired: true,
    createdByAppId: callerAppId,
    displayName,
    description: null,
    homepage,
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [...template.replyUrls],
    servicePrincipalNames: [ids.appId],
    servicePrincipalType: "Application",
    signInAudience: "AzureADMyOrg",
    tags: custom
      ? ["WindowsAzureActiveDirectoryCustomSingleSignOnApplication", "WindowsAzureActiveDirectoryIntegratedApp"]
      : ["WindowsAzureActiveDirectoryIntegratedApp"],
    appRoles: structuredClone(appRoles),
    oauth2PermissionScopes: structuredClone(scopes),
    alternativeNames: [],
    info: structuredClone(application.info),
    samlSingleSignOnSettings: null,
    verifiedPublisher: NO_VERIFIED_PUBLISHER(),
    publisherName: "Emulator",
  };
  return { application, servicePrincipal };
}
