import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UsePipes } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { GenerateKeyDto, RegenerateKeyDto, UpdateKeyDto } from './dto/key-params.dto';
import { BlockKeyDto, DeleteKeysDto, KeyInfoQueryDto, KeysInfoDto, ListKeysQueryDto } from './dto/key-request.dto';
import {
  DeleteKeysResponseDto,
  GenerateKeyResponseDto,
  KeyInfoResponseDto,
  KeyListResponseDto,
  KeyRowDto,
  KeysInfoResponseDto,
  UpdateKeyResponseDto,
} from './dto/key-response.dto';
import { KeysService } from './keys.service';
import { requestValidationPipe } from '../common/http/request-validation.pipe';

/** LiteLLM's key management API. Callers are authorised by KeysService, which receives `request.auth`. */
@ApiTags('Keys')
@Controller()
@UsePipes(requestValidationPipe())
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post('/key/generate')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a virtual key; the key itself is returned only in this response' })
  @ApiBody({ type: GenerateKeyDto })
  @ApiOkResponse({ type: GenerateKeyResponseDto })
  generateKey(@Req() request: FastifyRequest, @Body() body: GenerateKeyDto): Promise<GenerateKeyResponseDto> {
    return this.keys.generate(request.auth, body);
  }

  @Post('/key/update')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change fields of a key; unset fields keep their value' })
  @ApiBody({ type: UpdateKeyDto })
  @ApiOkResponse({ type: UpdateKeyResponseDto })
  updateKey(@Req() request: FastifyRequest, @Body() body: UpdateKeyDto): Promise<UpdateKeyResponseDto> {
    return this.keys.update(request.auth, body);
  }

  @Post('/key/delete')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete keys by value, hash or alias; they are refused from the next request on' })
  @ApiBody({ type: DeleteKeysDto })
  @ApiOkResponse({ type: DeleteKeysResponseDto })
  deleteKeys(@Req() request: FastifyRequest, @Body() body: DeleteKeysDto): Promise<DeleteKeysResponseDto> {
    return this.keys.delete(request.auth, body);
  }

  @Get('/key/info')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({ summary: "Describe a key (the caller's own without ?key=)" })
  @ApiOkResponse({ type: KeyInfoResponseDto })
  describeKey(@Req() request: FastifyRequest, @Query() query: KeyInfoQueryDto): Promise<KeyInfoResponseDto> {
    return this.keys.info(request.auth, query.key);
  }

  @Post('/v2/key/info')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes', 'info_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Describe several keys' })
  @ApiBody({ type: KeysInfoDto })
  @ApiOkResponse({ type: KeysInfoResponseDto })
  describeKeys(@Req() request: FastifyRequest, @Body() body: KeysInfoDto): Promise<KeysInfoResponseDto> {
    return this.keys.infoMany(request.auth, body.keys);
  }

  @Get('/key/list')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes', 'info_routes')
  @ApiOperation({ summary: 'List keys, paged, filtered by user, team or alias' })
  @ApiOkResponse({ type: KeyListResponseDto })
  listKeys(@Req() request: FastifyRequest, @Query() query: ListKeysQueryDto): Promise<KeyListResponseDto> {
    return this.keys.list(request.auth, query);
  }

  @Post('/key/regenerate')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a key: new secret, same key; the old secret stops now or after grace_period' })
  @ApiBody({ type: RegenerateKeyDto })
  @ApiOkResponse({ type: GenerateKeyResponseDto })
  regenerateKey(@Req() request: FastifyRequest, @Body() body: RegenerateKeyDto): Promise<GenerateKeyResponseDto> {
    return this.keys.regenerate(request.auth, undefined, body);
  }

  @Post('/key/:key/regenerate')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate the key in the path (value or hash)' })
  @ApiParam({ name: 'key', description: 'The key or its sha256 hash' })
  @ApiBody({ type: RegenerateKeyDto, required: false })
  @ApiOkResponse({ type: GenerateKeyResponseDto })
  regenerateKeyInPath(@Req() request: FastifyRequest, @Param('key') key: string, @Body() body: RegenerateKeyDto): Promise<GenerateKeyResponseDto> {
    return this.keys.regenerate(request.auth, key, body);
  }

  @Post('/key/block')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Block a key: every request with it is refused until it is unblocked' })
  @ApiBody({ type: BlockKeyDto })
  @ApiOkResponse({ type: KeyRowDto })
  blockKey(@Req() request: FastifyRequest, @Body() body: BlockKeyDto): Promise<KeyRowDto> {
    return this.keys.block(request.auth, body.key);
  }

  @Post('/key/unblock')
  @Audited('LiteLLM_VerificationToken')
  @Route(RouteClass.Management, 'management_routes', 'internal_user_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unblock a key (proxy admins)' })
  @ApiBody({ type: BlockKeyDto })
  @ApiOkResponse({ type: KeyRowDto })
  unblockKey(@Req() request: FastifyRequest, @Body() body: BlockKeyDto): Promise<KeyRowDto> {
    return this.keys.unblock(request.auth, body.key);
  }
}
