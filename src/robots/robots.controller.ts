import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { NotFoundError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';

/** LiteLLM's exact text: crawlers may index nothing on the gateway. */
export const ROBOTS_TXT = 'User-agent: *\nDisallow: /';

@Controller()
export class RobotsController {
  private readonly blockRobots: boolean;

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    this.blockRobots = config.general_settings.block_robots === true;
  }

  /**
   * `general_settings.block_robots: true` serves a robots.txt that disallows everything; without it the
   * route answers as an unknown one does, as LiteLLM's does.
   * @throws NotFoundError when `block_robots` is off
   */
  @Get('/robots.txt')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  robots(@Res() reply: FastifyReply): void {
    if (!this.blockRobots) throw new NotFoundError('Cannot GET /robots.txt');
    reply.type('text/plain; charset=utf-8').send(ROBOTS_TXT);
  }
}
