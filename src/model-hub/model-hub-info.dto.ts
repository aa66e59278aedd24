import { ApiProperty } from '@nestjs/swagger';
import type { ModelHubInfo } from './model-hub.service';

export class ModelHubInfoDto implements ModelHubInfo {
  @ApiProperty({ description: 'DOCS_TITLE' }) docs_title!: string;
  @ApiProperty({ type: String, nullable: true, description: 'DOCS_DESCRIPTION, when set' }) custom_docs_description!: string | null;
  @ApiProperty({ description: "Tollgate's version, under LiteLLM's field name" }) litellm_version!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'litellm_settings.public_model_groups_links' })
  useful_links!: Record<string, string>;
}

export class MakePublicDto {
  @ApiProperty({ type: [String], example: ['gpt-4o'], description: 'Model groups the gateway serves; replaces the public list' })
  model_groups!: string[];
}

export class MakePublicResponseDto {
  @ApiProperty() message!: string;
  @ApiProperty({ type: [String] }) public_model_groups!: string[];
}
