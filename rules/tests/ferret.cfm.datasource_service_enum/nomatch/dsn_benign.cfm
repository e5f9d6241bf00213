<cfoutput>Datasource: #application.dsn#</cfoutput>
