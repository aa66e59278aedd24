import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { FileUploadRequestDto, ImageGenerationRequestDto, ModerationRequestDto, RerankRequestDto, SpeechRequestDto, TranscriptionRequestDto } from './dto/media-request.dto';
import { FileDeletedDto, FileListDto, FileObjectDto, ImagesResponseDto, ModerationResponseDto, RerankResponseDto, TranscriptionDto } from './dto/llm-response.dto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { MediaService } from './media.service';

const BINARY = { schema: { type: 'string', format: 'binary' } } as const;

/** The rest of the OpenAI-compatible surface: images, audio, moderations, rerank and files. */
@ApiTags('LLM API (OpenAI-compatible)')
@ApiExtraModels(TranscriptionDto)
@Controller()
export class MediaController {
  constructor(private readonly media: MediaService) {}

  @Post(['/v1/images/generations', '/images/generations'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Generate images' })
  @ApiBody({ type: ImageGenerationRequestDto })
  @ApiOkResponse({ type: ImagesResponseDto })
  images(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.imageGeneration(request, reply);
  }

  @Post('/openai/deployments/:model/images/generations')
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Generate images (Azure OpenAI clients)' })
  @ApiBody({ type: ImageGenerationRequestDto })
  @ApiOkResponse({ type: ImagesResponseDto })
  imagesForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.media.imageGeneration(request, reply, model);
  }

  @Post(['/v1/audio/speech', '/audio/speech'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text to speech (audio bytes)' })
  @ApiBody({ type: SpeechRequestDto })
  @ApiOkResponse({ description: 'The audio, in response_format', content: { 'audio/*': BINARY } })
  speech(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.speech(request, reply);
  }

  @Post('/openai/deployments/:model/audio/speech')
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text to speech (Azure OpenAI clients)' })
  @ApiBody({ type: SpeechRequestDto })
  @ApiOkResponse({ description: 'The audio, in response_format', content: { 'audio/*': BINARY } })
  speechForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.media.speech(request, reply, model);
  }

  @Post(['/v1/audio/transcriptions', '/audio/transcriptions'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transcribe audio (multipart upload, within max_request_size_mb)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: TranscriptionRequestDto })
  @ApiOkResponse({
    description: 'JSON, or with response_format text, srt or vtt the text itself',
    content: { 'application/json': { schema: { $ref: getSchemaPath(TranscriptionDto) } }, 'text/plain': { schema: { type: 'string' } } },
  })
  transcriptions(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.transcription(request, reply);
  }

  @Post('/openai/deployments/:model/audio/transcriptions')
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Transcribe audio (Azure OpenAI clients)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: TranscriptionRequestDto })
  @ApiOkResponse({
    description: 'JSON, or with response_format text, srt or vtt the text itself',
    content: { 'application/json': { schema: { $ref: getSchemaPath(TranscriptionDto) } }, 'text/plain': { schema: { type: 'string' } } },
  })
  transcriptionsForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.media.transcription(request, reply, model);
  }

  @Post(['/v1/moderations', '/moderations'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Classify text for policy violations (model optional)' })
  @ApiBody({ type: ModerationRequestDto })
  @ApiOkResponse({ type: ModerationResponseDto })
  moderations(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.moderation(request, reply);
  }

  @Post(['/rerank', '/v1/rerank', '/v2/rerank'])
  @Route(RouteClass.Llm, 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rerank documents against a query (Cohere format)' })
  @ApiBody({ type: RerankRequestDto })
  @ApiOkResponse({ type: RerankResponseDto })
  rerank(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.rerank(request, reply);
  }

  @Post(['/v1/files', '/files'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Upload a file (multipart, within max_request_size_mb)' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: FileUploadRequestDto })
  @ApiOkResponse({ type: FileObjectDto })
  createFile(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.createFile(request, reply);
  }

  @Get(['/v1/files', '/files'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'List files' })
  @ApiOkResponse({ type: FileListDto })
  listFiles(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.media.listFiles(request, reply);
  }

  @Get(['/v1/files/:fileId', '/files/:fileId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Describe a file' })
  @ApiOkResponse({ type: FileObjectDto })
  retrieveFile(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('fileId') fileId: string): Promise<void> {
    return this.media.fileRequest('GET', fileId, false, request, reply);
  }

  @Get(['/v1/files/:fileId/content', '/files/:fileId/content'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Download a file’s content' })
  @ApiOkResponse({ description: 'The file’s bytes', content: { 'application/octet-stream': BINARY } })
  fileContent(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('fileId') fileId: string): Promise<void> {
    return this.media.fileRequest('GET', fileId, true, request, reply);
  }

  @Delete(['/v1/files/:fileId', '/files/:fileId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Delete a file' })
  @ApiOkResponse({ type: FileDeletedDto })
  deleteFile(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('fileId') fileId: string): Promise<void> {
    return this.media.fileRequest('DELETE', fileId, false, request, reply);
  }
}
