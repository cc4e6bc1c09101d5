// The demo's drift figure is measured from the preview's engine events: a change counts as
// caught only when the resource it affects is reported as changing.
import { measureDrift, reportedChanges, type DriftChange } from "../../provider/cli/demo";

const APP = "urn:pulumi:demo::p::entra:index:ProvisionedApplication$pulumi-nodejs:dynamic/entra:GalleryApplication::zoom";
const JOB = "urn:pulumi:demo::p::entra:index:ProvisionedApplication$pulumi-nodejs:dynamic/entra:ProvisioningJob::box-job";
const OTHER = "urn:pulumi:demo::p::entra:index:ProvisionedApplication$pulumi-nodejs:dynamic/entra:ProvisioningSecrets::box-secrets";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const pre = (op: string, urn: string, inputs: object = {}) =>
  JSON.stringify({ sequence: 1, resourcePreEvent: { metadata: { op, urn, new: { inputs } }, planning: true } });
const step = (op: string, unknownInputs = false) => ({ op, unknownInputs });
const outputs = (op: string, urn: string) => JSON.stringify({ sequence: 2, resOutputsEvent: { metadata: { op, urn } } });

const changes = (): DriftChange[] => [
  { description: "renamed", kind: "GalleryApplication", id: "a1", urn: APP },
  { description: "paused", kind: "ProvisioningJob", id: "j1", urn: JOB },
];

it("reads changing resources from resourcePreEvents, skipping refresh, same and read steps, noting unknown inputs", () => {
  const log = [
    JSON.stringify({ sequence: 0, preludeEvent: { config: {} } }),
    pre("refresh", APP),
    pre("refresh", JOB),
    pre("same", OTHER),
    pre("update", APP),
    outputs("update", APP),
    pre("read", OTHER),
    pre("update", JOB, { servicePrincipalId: UNKNOWN, enabled: true }),
    JSON.stringify({ sequence: 9, summaryEvent: { resourceChanges: { update: 1 } } }),
    "",
  ].join("\n");
  expect([...reportedChanges(log)]).toEqual([
    [APP, step("update")],
    [JOB, step("update", true)],
  ]);
});

it("counts a change as caught only when its resource is reported", () => {
  const measured = measureDrift(changes(), new Map([[APP, step("update")]]));
  expect(measured.caught.map((c) => [c.change.description, c.op])).toEqual([["renamed", "update"]]);
  expect(measured.missed.map((c) => c.description)).toEqual(["paused"]);
  expect(measured.unexpected).toEqual([]);
});

it("reports changes on resources no out-of-band change touched", () => {
  const measured = measureDrift(changes(), new Map([[APP, step("update")], [JOB, step("replace")], [OTHER, step("update", true)]]));
  expect(measured.caught).toHaveLength(2);
  expect(measured.missed).toEqual([]);
  expect(measured.caught.map((c) => c.op)).toEqual(["update", "replace"]);
  expect(measured.unexpected).toEqual([{ urn: OTHER, op: "update", unknownInputs: true }]);
});

it("an empty event log (the preview never ran) catches nothing", () => {
  expect(measureDrift(changes(), reportedChanges("")).missed).toHaveLength(2);
});
