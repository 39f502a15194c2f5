import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiAuthGuard, NoConfigurator } from '../identity/api-auth.guard';

/**
 * Seed 002's `contacts/`: results of the tenant's contact providers (a CRM's address book). No
 * provider is connected yet, so it answers valid empty pages for clients that list it.
 */
@UseGuards(ApiAuthGuard)
@NoConfigurator()
@Controller('api/v1/contacts')
export class ContactsController {
  @Get()
  list() {
    return { count: 0, next: null, previous: null, results: [] };
  }
}
