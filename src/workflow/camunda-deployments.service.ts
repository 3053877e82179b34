/**
 * Deploying from Camunda Modeler unchanged: its Deploy button talks Camunda 7 REST (GET /deployment to
 * test the connection, POST /deployment/create with the diagram and its attachments as multipart parts
 * named after their files, GET /version). The deploy itself is the native one
 * (src/workflow/deployments.service.ts): the same checks, forms, versions and migration of running
 * instances; the county is the deployment's tenant id.
 */
import { User, visibleCounties } from '../auth/access';
import { DeploymentRejectedError, ValidationError } from '../errors';
import type { FormSchema, TenantRegistry } from '../tenants';
import { camundaDate, wholeNumber } from './camunda';
import type { DeployResult, DeploymentService } from './deployments.service';

/** The Camunda 7 version this server answers like (its REST subset). */
export const CAMUNDA_VERSION = '7.21.0';

/** Camunda Modeler recognises a refused diagram by this start of the message. */
export const PARSE_ERROR_PREFIX = 'ENGINE-09005 Could not parse BPMN process.';

export interface ModelerUpload {
  fields: Record<string, string>;
  files: Array<{ name: string; fileName: string; content: string }>;
}

export class CamundaDeploymentService {
  constructor(
    private readonly deployments: DeploymentService,
    private readonly tenants: TenantRegistry,
  ) {}

  version() {
    return { version: CAMUNDA_VERSION };
  }

  /** GET /deployment: the versions the user may see, newest first, as Camunda deployments. */
  async list(user: User, q: Record<string, unknown>) {
    const first = wholeNumber(q.firstResult, 'firstResult') ?? 0;
    const max = wholeNumber(q.maxResults, 'maxResults') ?? 200;
    if (max === 0) return [];
    const rows = await this.deployments.list(user, { allVersions: true });
    return rows
      .sort((a, b) => new Date(b.deployed_at).getTime() - new Date(a.deployed_at).getTime())
      .slice(first, first + Math.min(max, 1000))
      .map((r) => ({ id: r.id, name: r.file_name ?? r.process_key, source: r.deployed_by === 'startup' ? 'processes/' : null, tenantId: r.county_id, deploymentTime: camundaDate(r.deployed_at), links: [] }));
  }

  /** POST /deployment/create. A refused diagram answers Camunda's ENGINE-09005 message (the reasons follow it). */
  async create(user: User, upload: ModelerUpload) {
    const county = this.countyOf(user, upload.fields['tenant-id']);
    const diagrams = upload.files.filter((f) => /\.(bpmn|bpmn20\.xml|xml)$/i.test(f.fileName));
    if (diagrams.length !== 1) {
      throw new ValidationError(`send exactly one diagram (.bpmn) per deployment; this one has ${diagrams.length}`, { field: 'diagram', reason: `${diagrams.length} diagrams in the upload` });
    }
    const forms: Record<string, FormSchema> = {};
    for (const f of upload.files) {
      if (f === diagrams[0]) continue;
      if (!/\.json$/i.test(f.fileName)) {
        throw new ValidationError(`${f.fileName}: only forms (forms/<formKey>.json, JSON schema) can be attached to a deployment`, { field: f.name, reason: 'is not a form (.json)' });
      }
      try {
        forms[f.fileName.replace(/^.*[\\/]/, '').replace(/\.json$/i, '')] = JSON.parse(f.content);
      } catch {
        throw new ValidationError(`${f.fileName} is not valid JSON`, { field: f.name, reason: 'is not valid JSON' });
      }
    }
    let result: DeployResult;
    try {
      result = await this.deployments.deployAs(user, county, diagrams[0].content, diagrams[0].fileName, forms);
    } catch (err) {
      if (err instanceof DeploymentRejectedError) {
        const reasons = err.problems.map((p) => `${p.element ? `${p.element}: ` : ''}${p.reason}`).join('; ');
        throw new DeploymentRejectedError(`${PARSE_ERROR_PREFIX} Errors: ${reasons}`, err.problems);
      }
      throw err;
    }
    const d = result.definition;
    const definition = {
      id: d.id,
      key: d.process_key,
      category: 'http://bpmn.io/schema/bpmn',
      description: null,
      name: d.name,
      version: d.version,
      resource: d.file_name,
      deploymentId: d.id,
      diagram: null,
      suspended: false,
      tenantId: d.county_id,
      versionTag: null,
      historyTimeToLive: null,
      startableInTasklist: false,
    };
    return {
      links: [],
      id: d.id,
      name: upload.fields['deployment-name'] || d.file_name,
      source: upload.fields['deployment-source'] ?? null,
      deploymentTime: camundaDate(d.deployed_at),
      tenantId: d.county_id,
      deployedProcessDefinitions: { [d.id]: definition },
      deployedCaseDefinitions: null,
      deployedDecisionDefinitions: null,
      deployedDecisionRequirementsDefinitions: null,
      // This server's own facts: a new version or the same content again, and the running instances.
      created: result.created,
      migration: result.migration ?? null,
    };
  }

  /** The county of a deployment: its tenant id, or the one county the user may see. */
  private countyOf(user: User, tenantId: string | undefined): string {
    if (tenantId) {
      if (!this.tenants.get(tenantId)) throw new ValidationError(`tenant-id "${tenantId}" is not a county of this server; use its id, e.g. liudong`, { field: 'tenant-id', reason: 'is not a county' });
      return tenantId;
    }
    const visible = visibleCounties(user);
    const counties = visible === '*' ? this.tenants.list().map((t) => t.id) : visible;
    if (counties.length === 1) return counties[0];
    throw new ValidationError('Set the tenant id of the deployment to the county (e.g. liudong): you may deploy to more than one', { field: 'tenant-id', reason: 'is required: you may deploy to more than one county' });
  }
}
