import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { BadRequestError } from '../common/errors/http-errors';
import {
  ActiveCallbacksResponseDto,
  ConfigCallbacksResponseDto,
  ConfigFieldDeleteDto,
  ConfigFieldInfoDto,
  ConfigFieldUpdateDto,
  ConfigListItemDto,
  ConfigUpdateDto,
  ConfigUpdateResponseDto,
  RouterSettingsResponseDto,
} from './dto/settings.dto';
import { CONFIG_TYPES, type ConfigType } from './runtime-fields';
import { RuntimeSettingsService, type AppliedChange } from './runtime-settings.service';
import { checkField, isConfigType, parseConfigUpdate } from './settings-changes';
import { activeCallbacks, configList, configuredCallbacks, fieldInfo, routerSettings, type ConfigFieldInfo, type ConfigListItem, type RouterSettingsView } from './settings-views';

/** Checked by the service and parsers, which name what is wrong (the DTOs only document the shapes). */
type Loose = Record<string, unknown> | undefined;

function configTypeOf(value: unknown, param = 'config_type'): ConfigType {
  if (!isConfigType(value)) throw new BadRequestError(`${param} must be one of ${CONFIG_TYPES.join(', ')}`, param);
  return value;
}

function fieldNameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequestError('field_name must be a non-empty string', 'field_name');
  return value;
}

function updated(change: AppliedChange): ConfigUpdateResponseDto {
  return {
    message: change.sections.length > 0 ? 'Config updated successfully' : 'Config unchanged: the stored values were already these',
    updated_sections: [...change.sections],
    requires_restart: change.requiresRestart,
  };
}

/**
 * LiteLLM's runtime settings routes: router and litellm settings stored in the database over config.yaml, applied
 * at once on every instance. Proxy admins change them; proxy admin viewers read them.
 */
@ApiTags('Config')
@Controller()
export class SettingsController {
  constructor(private readonly settings: RuntimeSettingsService) {}

  @Post('/config/update')
  @Audited('LiteLLM_Config')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Store settings over config.yaml (validated as the file is); applied at once on every instance' })
  @ApiBody({ type: ConfigUpdateDto })
  @ApiOkResponse({ type: ConfigUpdateResponseDto })
  async update(@Req() request: FastifyRequest, @Body() body: unknown): Promise<ConfigUpdateResponseDto> {
    return updated(await this.settings.update(request.auth, parseConfigUpdate(body)));
  }

  @Get('/config/field/info')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'One field: the value in force (secrets masked), and whether it is stored in the database' })
  @ApiQuery({ name: 'field_name', required: true, type: String })
  @ApiQuery({ name: 'config_type', required: true, enum: CONFIG_TYPES })
  @ApiOkResponse({ type: ConfigFieldInfoDto })
  fieldInfo(@Query('field_name') fieldName: unknown, @Query('config_type') configType: unknown): ConfigFieldInfo {
    return fieldInfo(this.settings.snapshot(), configTypeOf(configType), fieldNameOf(fieldName));
  }

  @Post('/config/field/update')
  @Audited('LiteLLM_Config')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Store one field over config.yaml; applied at once on every instance' })
  @ApiBody({ type: ConfigFieldUpdateDto })
  @ApiOkResponse({ type: ConfigUpdateResponseDto })
  async fieldUpdate(@Req() request: FastifyRequest, @Body() body: Loose): Promise<ConfigUpdateResponseDto> {
    const section = configTypeOf(body?.config_type);
    const name = fieldNameOf(body?.field_name);
    const value = body?.field_value;
    if (value === null || value === undefined) throw new BadRequestError('field_value is required (to remove a stored field, call /config/field/delete)', 'field_value');
    checkField(section, name, value);
    return updated(await this.settings.update(request.auth, { [section]: { [name]: value } }));
  }

  @Post('/config/field/delete')
  @Audited('LiteLLM_Config')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: "Remove one stored field: config.yaml's value (or the default) applies again, on every instance" })
  @ApiBody({ type: ConfigFieldDeleteDto })
  @ApiOkResponse({ type: ConfigUpdateResponseDto })
  async fieldDelete(@Req() request: FastifyRequest, @Body() body: Loose): Promise<ConfigUpdateResponseDto> {
    const section = configTypeOf(body?.config_type);
    const name = fieldNameOf(body?.field_name);
    checkField(section, name, null);
    return updated(await this.settings.update(request.auth, { [section]: { [name]: null } }));
  }

  @Get('/config/list')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: "A section's fields: those applied at runtime (with descriptions and defaults), then the others set in config.yaml" })
  @ApiQuery({ name: 'config_type', required: true, enum: CONFIG_TYPES })
  @ApiOkResponse({ type: [ConfigListItemDto] })
  list(@Query('config_type') configType: unknown): ConfigListItem[] {
    return configList(this.settings.snapshot(), configTypeOf(configType));
  }

  @Get('/router/settings')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: "The router settings page: each field's value in force, default and options, and the strategies" })
  @ApiOkResponse({ type: RouterSettingsResponseDto })
  routerSettings(): RouterSettingsView {
    return routerSettings(this.settings.snapshot());
  }

  @Get('/get/config/callbacks')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'The configured logging callbacks and alerting integrations (secrets masked)' })
  @ApiOkResponse({ type: ConfigCallbacksResponseDto })
  callbacks(): ReturnType<typeof configuredCallbacks> {
    return configuredCallbacks(this.settings.snapshot().effective);
  }

  @Get('/active/callbacks')
  @Route(RouteClass.Management, 'management_routes', 'info_routes')
  @ApiOperation({ summary: 'The callbacks and alerting this instance runs' })
  @ApiOkResponse({ type: ActiveCallbacksResponseDto })
  active(): Record<string, unknown> {
    return activeCallbacks(this.settings.snapshot().effective);
  }
}
