<!--- This page explains Allaire Cold Fusion Template encoding --->
<cfoutput>About</cfoutput>
