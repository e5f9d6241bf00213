<cfquery name="q" datasource="shop">
SELECT name FROM product WHERE id = <cfqueryparam value="#url.id#" cfsqltype="cf_sql_integer">
</cfquery>
