import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { BatchesService } from './batches.service';
import { BatchListDto, BatchObjectDto } from './dto/llm-response.dto';
import { BatchCreateRequestDto } from './dto/media-request.dto';

/** OpenAI's Batch API: a key sees and manages only the batches it created. */
@ApiTags('LLM API (OpenAI-compatible)')
@Controller()
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post(['/v1/batches', '/batches'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a batch from an uploaded batch file (charged once, when it completes)' })
  @ApiBody({ type: BatchCreateRequestDto })
  @ApiOkResponse({ type: BatchObjectDto })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.batches.create(request, reply);
  }

  @Get(['/v1/batches', '/batches'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'List the caller’s batches' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'after', required: false, type: String })
  @ApiQuery({ name: 'model', required: false, type: String })
  @ApiOkResponse({ type: BatchListDto })
  list(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.batches.list(request, reply);
  }

  @Get(['/v1/batches/:batchId', '/batches/:batchId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Retrieve a batch' })
  @ApiOkResponse({ type: BatchObjectDto })
  retrieve(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('batchId') batchId: string): Promise<void> {
    return this.batches.retrieve(batchId, request, reply);
  }

  @Post(['/v1/batches/:batchId/cancel', '/batches/:batchId/cancel'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a batch' })
  @ApiOkResponse({ type: BatchObjectDto })
  cancel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('batchId') batchId: string): Promise<void> {
    return this.batches.cancel(batchId, request, reply);
  }
}
