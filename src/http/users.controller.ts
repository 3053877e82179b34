import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { NewUser, Users } from '../auth/users';
import { Roles } from './guard';

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/admin/users')
export class UsersController {
  constructor(private readonly users: Users) {}

  @Post()
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({ summary: 'Create a user {id, name, roles, counties, units}; answers the bearer token once' })
  async create(@Body() body: NewUser) {
    const { user, token } = await this.users.create(body);
    return { ...user, token };
  }
}
