<!--- legitimate: fixed program, fixed arguments --->
<cfexecute name="/usr/bin/zip" arguments="-r /var/backups/site.zip /var/www/site" timeout="60"></cfexecute>
<cfoutput>Backup for #encodeForHTML(form.site)# done</cfoutput>
