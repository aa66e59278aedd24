import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RedisFailureMode } from '../../config/config.types';
import type { DeploymentHealthReport, EndpointHealth } from '../deployment-health.service';
import type { ReadinessDetails, ReadinessReport } from '../health.service';

/** Swagger shapes of LiteLLM's health endpoints. */

export class EndpointHealthDto implements EndpointHealth {
  @ApiProperty({ description: 'litellm_params.model', example: 'openai/gpt-4o' }) model!: string;
  @ApiProperty({ description: 'The model group' }) model_name!: string;
  @ApiProperty() model_id!: string;
  @ApiPropertyOptional({ description: 'Only for deployments with an api_base' }) api_base?: string;
  @ApiProperty({ example: 'chat' }) mode!: string;
  @ApiPropertyOptional({ description: 'Why the check failed (unhealthy endpoints only)' }) error?: string;
}

export class DeploymentHealthReportDto implements DeploymentHealthReport {
  @ApiProperty({ type: [EndpointHealthDto] }) healthy_endpoints!: EndpointHealthDto[];
  @ApiProperty({ type: [EndpointHealthDto] }) unhealthy_endpoints!: EndpointHealthDto[];
  @ApiProperty() healthy_count!: number;
  @ApiProperty() unhealthy_count!: number;
}

export class ReadinessReportDto implements ReadinessReport {
  @ApiProperty({ enum: ['healthy', 'unhealthy'] }) status!: 'healthy' | 'unhealthy';
  @ApiProperty({ enum: ['connected', 'disconnected'] }) db!: 'connected' | 'disconnected';
  @ApiProperty({ enum: ['embedded', 'server'] }) db_engine!: 'embedded' | 'server';
  @ApiProperty({ type: String, enum: ['redis', 'local'], nullable: true, description: "The response cache's type; null when litellm_settings.cache is off" })
  cache!: 'redis' | 'local' | null;
  @ApiProperty({ enum: ['memory', 'redis'], description: 'Where limits, budgets and router state are counted' }) shared_store!: 'memory' | 'redis';
  @ApiProperty({ type: String, enum: ['connected', 'disconnected'], nullable: true, description: 'The shared-state Redis; null without one' })
  redis!: 'connected' | 'disconnected' | null;
  @ApiProperty({ type: String, enum: ['fail_closed', 'fail_open'], nullable: true }) redis_failure_mode!: RedisFailureMode | null;
  @ApiProperty({ description: 'Other instances alive on the same database' }) other_instances!: number;
  @ApiProperty({ description: 'The Tollgate version, where LiteLLM reports its own' }) litellm_version!: string;
  @ApiProperty() tollgate_version!: string;
  @ApiProperty() instance_id!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Terminus check details, e.g. {"database": {"status": "up"}}' })
  details!: Record<string, unknown>;
}

export class ReadinessDetailsDto extends ReadinessReportDto implements ReadinessDetails {
  @ApiProperty({ type: [String], description: 'litellm_settings.success_callback and callbacks, as configured' }) success_callbacks!: string[];
  @ApiProperty({ description: "Always false: LiteLLM's aiohttp transport has no counterpart" }) use_aiohttp_transport!: boolean;
  @ApiProperty({ enum: ['DEBUG', 'INFO', 'WARNING', 'ERROR'] }) log_level!: string;
  @ApiProperty() is_detailed_debug!: boolean;
}
