import { Body, Controller, Get, HttpCode, Post, Req, Res, UsePipes } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { BadRequestError } from '../common/errors/http-errors';
import { requestValidationPipe } from '../common/http/request-validation.pipe';
import { LoginDto, LogoutResponseDto, SessionInfoDto } from './dto/session.dto';
import { clearedSessionCookie, sessionCookie } from './session-cookie';
import { sameSecret } from './session-tokens';
import { CrossSiteLoginError, CsrfTokenError, NotLoggedInError } from './sessions.errors';
import { UiSessions, type SessionInfo } from './ui-sessions.service';

/** Where LiteLLM's form login sends the browser. */
const UI_HOME = '/ui/';

/**
 * Admin UI login, as LiteLLM serves it (`POST /login` form, `POST /v2/login` JSON), plus the session's own routes.
 * They are public routes (no key): each checks the credentials or the session cookie itself.
 */
@ApiTags('Admin UI sessions')
@Controller()
export class SessionsController {
  constructor(private readonly sessions: UiSessions) {}

  @Post('/v2/login')
  @Route(RouteClass.Public, 'public_routes')
  @HttpCode(200)
  @UsePipes(requestValidationPipe())
  @ApiOperation({ summary: 'Log in to the Admin UI; sets the HttpOnly session cookie (tollgate_session) and returns the csrf token' })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({
    type: SessionInfoDto,
    headers: { 'set-cookie': { description: 'tollgate_session=…; Path=/; HttpOnly; SameSite=Strict (+ Secure over TLS)', schema: { type: 'string' } } },
  })
  async loginJson(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: LoginDto): Promise<SessionInfo> {
    assertSameOrigin(request);
    const { sessionId, info } = await this.sessions.logIn(body.username, body.password, request.clientIp ?? request.ip ?? null);
    reply.header('set-cookie', sessionCookie(sessionId, isTls(request)));
    reply.header('cache-control', 'no-store');
    return info;
  }

  @Post('/login')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: "LiteLLM's login form: opens the same session; a browser is redirected (303) to /ui/, a client that accepts only JSON gets the session" })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: SessionInfoDto, description: 'Logged in, for a client whose Accept asks for JSON and not HTML: the session cookie is set' })
  @ApiResponse({ status: 303, description: 'Logged in: the session cookie is set and Location is /ui/' })
  async loginForm(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    assertSameOrigin(request);
    const { username, password } = formCredentials(request.body);
    const { sessionId, info } = await this.sessions.logIn(username, password, request.clientIp ?? request.ip ?? null);
    reply.header('set-cookie', sessionCookie(sessionId, isTls(request)));
    reply.header('cache-control', 'no-store');
    if (wantsJson(request)) {
      await reply.code(200).send(info);
      return;
    }
    await reply.code(303).header('location', UI_HOME).send();
  }

  @Get('/session/info')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: 'The session the cookie names: user, role, csrf token, expiry (401 without a live session)' })
  @ApiOkResponse({ type: SessionInfoDto })
  async info(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionInfo> {
    const found = await this.sessions.sessionOf(request);
    if (!found) throw new NotLoggedInError();
    reply.header('cache-control', 'no-store');
    return this.sessions.describe(found.session);
  }

  @Post('/logout')
  @Route(RouteClass.Public, 'public_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'End the session on every instance and clear the cookie (x-csrf-token required while the session is live)' })
  @ApiOkResponse({ type: LogoutResponseDto })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LogoutResponseDto> {
    const found = await this.sessions.sessionOf(request);
    if (found) {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameSecret(presented, found.session.csrfToken)) throw new CsrfTokenError();
      await this.sessions.logOut(found.sessionId);
    }
    reply.header('set-cookie', clearedSessionCookie(isTls(request)));
    return { message: 'Logged out' };
  }
}

/** A script (Accept: application/json, no text/html) rather than a browser navigating. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function isTls(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * A browser names the page a POST comes from in `Origin`; a login posted from another site's page (login CSRF:
 * logging the victim into the attacker's account) is refused. Clients that send no Origin (curl, SDKs) pass.
 */
function assertSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  // Behind a reverse proxy that rewrites Host, the browser's host arrives as X-Forwarded-Host.
  const forwarded = request.headers['x-forwarded-host'];
  const served = [request.headers.host, ...(typeof forwarded === 'string' ? forwarded.split(',').map((item) => item.trim()) : [])];
  if (!host || !served.includes(host)) throw new CrossSiteLoginError();
}

/** `username` and `password` of the form body (parsed by the urlencoded body parser). */
function formCredentials(body: unknown): { username: string; password: string } {
  const form = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const username = form.username;
  const password = form.password;
  if (typeof username !== 'string' || typeof password !== 'string' || username.length > 512 || password.length > 1024) {
    throw new BadRequestError('username and password are required form fields', 'username');
  }
  return { username, password };
}
