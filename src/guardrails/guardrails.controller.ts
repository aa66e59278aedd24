import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { GuardrailListDto } from './dto/guardrail-list.dto';
import { guardrailListOf, type GuardrailListEntry } from './guardrail-list';
import type { GuardrailRegistry } from './guardrail-registry';
import { GUARDRAIL_REGISTRY } from './guardrails.tokens';

@ApiTags('Guardrails')
@Controller()
export class GuardrailsController {
  private readonly list: readonly GuardrailListEntry[];

  constructor(@Inject(GUARDRAIL_REGISTRY) registry: GuardrailRegistry) {
    // Loaded once at boot; a new guardrail needs a restart, so the list is computed once too.
    this.list = guardrailListOf(registry.instances);
  }

  @Get('/guardrails/list')
  // Any key may read it, as in LiteLLM: callers need the names to ask for guardrails per request.
  @Route(RouteClass.Management, 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: 'The loaded guardrails: name, plugin, phases, default_on and failure mode (vendor settings are never shown)' })
  @ApiOkResponse({ type: GuardrailListDto })
  guardrails(): { guardrails: GuardrailListEntry[] } {
    return {
      guardrails: this.list.map((entry) => ({
        ...entry,
        litellm_params: { ...entry.litellm_params, mode: [...entry.litellm_params.mode] },
        guardrail_info: { ...entry.guardrail_info },
      })),
    };
  }
}
