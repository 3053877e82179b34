import { Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { User } from '../auth/access';
import { PayloadTooLargeError, ValidationError } from '../errors';
import { CamundaDeploymentService, ModelerUpload } from '../workflow/camunda-deployments.service';
import { Act, CurrentUser } from './guard';

/** Camunda 7 REST deployments, as Camunda Modeler's Deploy button uses them. */
@ApiTags('Camunda 7 REST (engine-rest)')
@ApiBearerAuth()
@ApiBasicAuth()
@Controller('engine-rest/deployment')
export class EngineDeploymentsController {
  constructor(private readonly deployments: CamundaDeploymentService) {}

  @Get()
  @ApiOperation({ summary: 'Deployments visible to you (Camunda Modeler tests its connection with maxResults=0)' })
  list(@CurrentUser() user: User, @Query() q: Record<string, unknown>) {
    return this.deployments.list(user, q);
  }

  @Post('create')
  @HttpCode(200)
  @Act('definition.deploy')
  @ApiOperation({ summary: 'Deploy as Camunda Modeler does: multipart deployment-name, deployment-source, enable-duplicate-filtering, tenant-id (the county), the diagram and its forms as parts named after their files' })
  async create(@CurrentUser() user: User, @Req() req: FastifyRequest) {
    return this.deployments.create(user, await readUpload(req));
  }
}

/** The parts of a multipart deployment: text fields, and files (each part that has a file name). */
async function readUpload(req: FastifyRequest): Promise<ModelerUpload> {
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
    throw new ValidationError('send the deployment as multipart/form-data, the diagram as a part named after its file', { field: 'content-type', reason: 'must be multipart/form-data' });
  }
  const upload: ModelerUpload = { fields: {}, files: [] };
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for await (const part of (req as any).parts()) {
      if (part.type === 'file') {
        const buf: Buffer = await part.toBuffer();
        upload.files.push({ name: String(part.fieldname), fileName: String(part.filename || part.fieldname), content: buf.toString('utf8') });
      } else if (typeof part.value === 'string' && part.value.length <= 1000) {
        upload.fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    const e = err as { code?: string; statusCode?: number; message?: string };
    if (e.code === 'FST_REQ_FILE_TOO_LARGE' || e.code === 'FST_FILES_LIMIT' || e.code === 'FST_PARTS_LIMIT') throw new PayloadTooLargeError(`the upload is too large: ${e.message}`);
    if (e.statusCode && e.statusCode < 500) throw new ValidationError(`the multipart body could not be read: ${e.message}`, { field: 'body', reason: 'is not readable multipart' });
    throw err;
  }
  return upload;
}
